"""Surface appearance building blocks of the camera: procedural materials (``surfaces``) and
mip-mapped texture tables with their sampling kernels (``mipmaps``, ``_mip_kernels``).

The material names are those of ``simengine.materials``: one name drives the acoustics, the
lidar reflectivity and the look of a surface.
"""
