"""Camera corruptions of one (H, W, 3) uint8 RGB capture: the ImageNet-C tables (noise, blur,
weather, digital; shared helpers in ``imagenet_c``), and physical ones from the simulator's
ground truth (``physical``, ``rain``)."""

from . import blur, digital, noise, physical, rain, weather
from . import object_warp as object_warp  # issue 23: kitti_c's object level
from . import sun_glare as sun_glare  # issue 23: kitti_c's strong sunlight
from . import uniform as uniform  # issue 23: kitti_c's uniform noise

MODULES = (blur, digital, noise, physical, rain, weather)  # the modules that declare corruptions
MODULES += (uniform, sun_glare, object_warp)
