"""Scene instances: every random draw of a sample's scene, and the plain records it yields.

Specs (``simengine.spec``) only parse and validate; this package is where their
distributions meet a random generator:

- ``sampler``: ``sample_instance(spec, root_seed, index, attempt)``, the draw order;
- ``draw``: one value of a parsed distribution (``draw``, ``draw_tree``, ``draw_texture``);
- ``spawn``: objects and their spawn-time placement (bounding boxes, ``SPAWN_GAP``);
- ``audio``: sound sources and ambient noise;
- ``records``: ``SceneInstance``, ``ObjectInstance``, ``SensorInstance`` (JSON round-trip).
"""

from .records import ObjectInstance, SceneInstance, SensorInstance
from .sampler import sample_instance
from .spawn import SPAWN_GAP, SPAWN_TRIES, boxes_overlap, world_aabb

__all__ = ["SPAWN_GAP", "SPAWN_TRIES", "ObjectInstance", "SceneInstance",
           "SensorInstance", "boxes_overlap", "sample_instance", "world_aabb"]
