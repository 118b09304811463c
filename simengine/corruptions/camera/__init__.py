"""Camera corruptions of one (H, W, 3) uint8 RGB capture: the ImageNet-C tables (noise, blur,
weather, digital; shared helpers in ``imagenet_c``), and physical ones from the simulator's
ground truth (``physical``, ``rain``)."""

from . import blur, digital, noise, physical, rain, weather

MODULES = (blur, digital, noise, physical, rain, weather)  # the modules that declare corruptions

from . import threedcc  # noqa: E402  3D Common Corruptions (Kar et al., CVPR 2022)

MODULES += (threedcc,)
