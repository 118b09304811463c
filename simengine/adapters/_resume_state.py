"""Checks of the state dicts the torch adapter's ``load_state_dict`` methods accept.

A checkpoint restored into the wrong object (another store, another seed, a sampler's state
given to a dataset) would resume silently on different samples; these checks turn that into
one clear ``ValueError`` naming the owner, the field and what was expected. Plain Python:
no torch, no engine (a store reader never loads the engine).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

KIND = "kind"  # every state dict names the class that wrote it


def checked(state: Any, owner: str, fields: Mapping[str, type | tuple[type, ...]]
            ) -> dict[str, Any]:
    """``state`` as a dict after checking it was written by ``owner`` and holds every field
    with the expected type."""
    if not isinstance(state, Mapping):
        raise ValueError(f"{owner}.load_state_dict: expected a dict from {owner}.state_dict(), "
                         f"got {type(state).__name__}")
    if state.get(KIND) != owner:
        raise ValueError(f"{owner}.load_state_dict: this state was written by "
                         f"{state.get(KIND)!r}, not by {owner}")
    missing = [f for f in fields if f not in state]
    if missing:
        raise ValueError(f"{owner}.load_state_dict: the state lacks {', '.join(missing)}")
    for name, kind in fields.items():
        value = state[name]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise ValueError(f"{owner}.load_state_dict: {name} must be "
                             f"{_names(kind)}, got {value!r}")
        if not isinstance(value, kind):
            raise ValueError(f"{owner}.load_state_dict: {name} must be {_names(kind)}, "
                             f"got {type(value).__name__} {value!r}")
    return dict(state)


def same(owner: str, name: str, saved: Any, current: Any, hint: str) -> None:
    """The checkpoint's ``name`` must equal this object's: otherwise resuming would serve
    other samples."""
    if saved != current:
        raise ValueError(f"{owner}.load_state_dict: the checkpoint has {name} {saved!r}, this "
                         f"{owner} has {current!r}; {hint}")


def position_in(owner: str, position: int, total: int) -> int:
    if not 0 <= position <= total:
        raise ValueError(f"{owner}.load_state_dict: position {position} outside 0..{total}")
    return position


def indices_digest(indices: np.ndarray) -> str:
    """A short fingerprint of a store's done samples: a checkpoint's positions index them."""
    data = np.ascontiguousarray(indices, dtype="<i8").tobytes()
    return hashlib.sha256(data).hexdigest()[:16]


def _names(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)
