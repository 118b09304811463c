"""Camera corruptions of one (H, W, 3) uint8 RGB capture: the ImageNet-C tables (noise, blur,
weather, digital; shared helpers in ``imagenet_c``), physical ones from the simulator's
ground truth (``physical``, ``rain``), and the types of the benchmark suites that need their
own code: KITTI-C's uniform noise, sun glare and object-level warps, 3D Common Corruptions
(``threedcc``, ``view_change``)."""

from . import (
    blur,
    digital,
    noise,
    object_warp,
    physical,
    rain,
    sun_glare,
    threedcc,
    uniform,
    view_change,
    weather,
)

# the modules that declare corruptions
MODULES = (blur, digital, noise, physical, rain, weather, uniform, sun_glare, object_warp,
           threedcc, view_change)
