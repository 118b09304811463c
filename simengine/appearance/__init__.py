"""Surface appearance building blocks of the camera: procedural materials (``surfaces``),
mip-mapped texture tables with their sampling kernels (``mipmaps``, ``_mip_kernels``) and
the surfaces packed into such tables (``packing``).

The material names are those of ``simengine.materials``: one name drives the acoustics, the
lidar reflectivity and the look of a surface.
"""
