"""The attempt policy of a sample: draw its instance, check it, simulate it, and draw again.

Sample ``k`` is drawn from attempt stream 0 first. A draw is made again (attempt 1, 2, ...,
``world.max_attempts`` in all) when

- the drawn instance cannot be rendered (``simengine.placement.instance_problem``: a sensor
  inside fixed geometry, a fixed object without a free spot): always, and when no attempt
  is accepted the last rejection's error is raised (a UserError: exit 2);
- the physics blew up (``physics.world.BlowUpError``) and ``world.on_blowup`` is ``retry``.
  With ``fail``, or when the attempts run out, ``SimulationError`` is raised (exit 1):
  nothing is written for that sample.

The attempt number is part of the sample's labels (``meta/attempt``), and each attempt has
its own seed stream, so the result stays a pure function of (spec, seed, k).
"""

from __future__ import annotations

from .errors import SimulationError, SpecError, UserError
from .instance import SceneInstance, sample_instance
from .physics.world import BlowUpError, SimulationResult, simulate
from .placement import instance_problem
from .spec.scene import SceneSpec


class RejectedInstanceError(Exception):
    """A drawn instance that cannot be rendered (``simengine.placement``); ``error`` is the
    UserError to report when no attempt of the sample is accepted."""

    def __init__(self, error: UserError) -> None:
        super().__init__(str(error))
        self.error = error


def placed_instance(spec: SceneSpec, seed: int, k: int, attempt: int = 0) -> SceneInstance:
    """The instance of sample ``k``, attempt ``attempt``, or RejectedInstanceError when the
    draw put a sensor inside fixed geometry or left a fixed object without a free spot."""
    instance = sample_instance(spec, seed, k, attempt)
    problem = instance_problem(spec, instance)
    if problem is not None:
        raise RejectedInstanceError(problem)
    return instance


def simulate_sample(spec: SceneSpec, seed: int, k: int
                    ) -> tuple[SceneInstance, SimulationResult]:
    """The first accepted attempt of sample ``k`` and its physics (module docstring)."""
    world = spec.world
    reason = ""
    blowups = 0
    rejected: UserError | None = None
    for attempt in range(world.max_attempts):
        try:
            instance = placed_instance(spec, seed, k, attempt)
        except RejectedInstanceError as exc:
            rejected = exc.error
            continue
        rejected = None
        try:
            return instance, simulate(instance, spec.schedule, world)
        except BlowUpError as exc:
            reason = str(exc)
            blowups += 1
            if world.on_blowup != "retry":
                break
    if rejected is not None:
        note = f"; no acceptable draw in {world.max_attempts} attempt(s) (world.max_attempts)"
        if isinstance(rejected, SpecError):
            raise SpecError(rejected.file, rejected.path, rejected.expectation + note)
        raise UserError(f"{rejected}{note}")
    raise SimulationError(f"physics blew up on {blowups} attempt(s): {reason}")
