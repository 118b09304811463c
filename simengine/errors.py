"""Error types and their meaning for the CLI's exit codes.

``UserError`` (and its subclasses) means the input is wrong: the CLI prints its one-line
message and exits 2 without a traceback. Anything else is an internal error (exit 1).
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user (scene file, preset, store path, CLI arguments): exit code 2."""


class SpecError(UserError):
    """A scene or preset file is malformed.

    The message names the file, the key path inside it and what was expected, e.g.
    ``scenes/x.yaml: objects[2].size: expected 3 positive numbers, got [0.1, 0.2]``.
    """

    def __init__(self, file: str, path: str, expectation: str) -> None:
        self.file = file
        self.path = path
        self.expectation = expectation
        where = f"{file}: {path}" if path else file
        super().__init__(f"{where}: {expectation}")

    def __reduce__(self):  # raised in a worker process, it must reach the parent intact
        return (self.__class__, (self.file, self.path, self.expectation))


class StoreError(UserError):
    """A store cannot be used as asked (exists from another scene, not a simengine store...)."""


class DamagedStoreError(StoreError):
    """A store's data no longer matches what its blocks wrote (a shard missing, truncated or
    swapped, metadata edited): refused rather than read as zeros. ``samples`` lists the
    damaged sample indices."""

    def __init__(self, message: str, samples: list[int] | None = None) -> None:
        super().__init__(message)
        self.samples = list(samples or [])

    def __reduce__(self):
        return (self.__class__, (str(self), self.samples))


class SimulationError(RuntimeError):
    """The physics blew up on every allowed attempt (see ``world.on_blowup``)."""


class InternalWorkerError(RuntimeError):
    """An unexpected failure in a worker process (exit 1), with the worker's traceback."""

    def __init__(self, message: str, worker_traceback: str = "") -> None:
        super().__init__(message)
        self.worker_traceback = worker_traceback

    def __reduce__(self):
        return (self.__class__, (str(self), self.worker_traceback))


class RenderInterrupted(KeyboardInterrupt):
    """A render stopped by SIGINT or SIGTERM; the message says what was kept and how to
    resume. ``exit_code`` is 128 + the signal number."""

    def __init__(self, message: str, exit_code: int = 130) -> None:
        super().__init__(message)
        self.exit_code = exit_code
