"""The classes every scene has, whatever it declares: 0 is "no hit"; the environment's
surfaces are stuff classes. Their ids are fixed (a class's id is its index), so sensors'
labels and corruptions (the lidar's wet ground) can rely on them without the scene."""

BUILTIN_CLASSES = ("background", "ground", "wall")
