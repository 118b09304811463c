"""What every sensor is: declared outputs, one ``observe(capture, rng)``, and the facts the
corruptions need.

The engine builds each sensor of a sample with ``for_scene(sensor, layout)``, reads
``outputs()`` before anything renders (a store is preallocated from it), and calls
``observe(capture, rng)`` with one :class:`Capture` that holds everything any sensor may
look at. It never asks which kind a sensor is; neither do the corruptions, which read the
class facts below (which arrays are the signal, which array holds the pose, which array a
removed-data mask follows, what a corruption's context is made of).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .registry import KINDS

if TYPE_CHECKING:
    from ..geometry.scene_geometry import SceneGeometry
    from ..instance import SceneInstance, SensorInstance
    from ..physics.events import Recording

from ..arrays import OutputSpec


@dataclass(frozen=True)
class SampleLayout:
    """What fixes the output shapes of every sensor of a scene (never a random draw)."""

    n_frames: int  # captures per sample
    max_objects: int  # capacity of per-object labels
    duration: float  # seconds of the recording window
    max_events: int  # capacity of contact-sound labels
    n_scene_sources: int  # declared sound sources
    physical_light: bool = False  # world.light has a sky: radiance in cd/m²


@dataclass(frozen=True)
class Capture:
    """Everything a sensor may observe in one sample.

    ``frames``: per capture, the posed scene geometry and the capture time (s).
    ``objects``: object label arrays (``count``, ``position`` (F, M, 3), ``orientation``,
    ``size``, ``box_center_local``), or empty. ``scene``: the lighting (``light``,
    ``background``, ``background_bottom``). ``recording``: the physics recording (contact
    events, trajectories) over the window. ``instance`` and ``classes``: the drawn scene and
    its class vocabulary (rooms, sound sources, class ids).
    """

    frames: Sequence[tuple[SceneGeometry, float]] = ()
    objects: Mapping[str, np.ndarray] = field(default_factory=dict)
    scene: Mapping[str, Any] = field(default_factory=dict)
    recording: Recording | None = None
    instance: SceneInstance | None = None
    classes: tuple[str, ...] = ()


class Sensor(ABC):
    """A sensor model. Subclasses set ``kind`` (a key of ``registry.KINDS``, which gives
    ``prefix``) and the corruption facts."""

    kind: ClassVar[str]
    prefix: ClassVar[str]  # from the registry: store key prefix and corruption modality
    # --- facts for the corruptions -------------------------------------------------------
    signals: ClassVar[tuple[str, ...]]  # arrays a corruption of this modality may change
    mask_of: ClassVar[str]  # the array a removed-data mask has the shape of
    pose: ClassVar[str | None] = None  # per-capture sensor pose (cross-sensor corruptions)
    framed: ClassVar[bool] = True  # signals carry a leading capture axis
    # context arrays: the same for every capture, and one per capture (indexed [f])
    context_fixed: ClassVar[tuple[str, ...]] = ()
    context_per_capture: ClassVar[tuple[str, ...]] = ()
    # what else a corruption's context holds (see ``corruptions.apply.context_for``)
    context_extras: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.prefix = KINDS[cls.kind].prefix

    name: str

    @classmethod
    @abstractmethod
    def for_scene(cls, sensor: SensorInstance, layout: SampleLayout) -> Sensor:
        """The sensor of a scene's sample layout."""

    @abstractmethod
    def outputs(self) -> dict[str, OutputSpec]:
        """Output names (relative, e.g. ``rgb``) to their specs, known before rendering."""

    @abstractmethod
    def observe(self, capture: Capture, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Every output array of one sample; ``rng`` is this sensor's own stream."""

    @classmethod
    def mask_spec(cls, spec: OutputSpec) -> OutputSpec:
        """The removed-data mask of ``mask_of`` (spec ``spec``): one flag per value."""
        return OutputSpec(spec.shape, "bool",
                          doc="True where the corruption removed or replaced data")

    @classmethod
    def signal_rate(cls, params: Mapping[str, Any]) -> float | None:
        """Samples per second of a sampled-in-time signal (None: captures)."""
        return None
