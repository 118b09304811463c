"""The draws of a scene's sound sources and ambient noise (``SceneInstance.extra["audio"]``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spec.audio import AudioSpec
from .draw import draw, draw_tree
from .records import ObjectInstance


def draw_audio(audio: AudioSpec, objects: tuple[ObjectInstance, ...], rng: np.random.Generator
               ) -> dict[str, Any]:
    """Resolve every distribution of ``audio`` (plain data for ``SceneInstance.extra``).

    ``attach_instance`` is the instance id of the followed object, 0 for a fixed source,
    -1 when the group has no object at that index in this sample (the source is silent).
    """
    sources = []
    for s in audio.sources:
        attach = 0
        if s.attach_group is not None:
            members = [o for o in objects if o.group == s.attach_group]
            attach = members[s.attach_index].instance_id if s.attach_index < len(members) else -1
        sources.append({
            "name": s.name, "kind": s.kind, "class": s.class_name, "attach_instance": attach,
            "position": tuple(float(v) for v in draw_tree(s.position, rng)),
            "start": float(draw(s.start, rng)),
            "duration": None if s.duration is None else float(draw(s.duration, rng)),
            "level_db_spl": float(draw(s.level_db_spl, rng)),
            "frequency": float(draw(s.frequency, rng)),
            "frequency_end": float(draw(s.frequency_end, rng)),
            "harmonics": int(draw(s.harmonics, rng)), "voices": int(draw(s.voices, rng)),
            "color": s.color, "file": s.file_name, "loop": s.loop})
    ambient = None
    if audio.ambient is not None:
        a = audio.ambient
        ambient = {"color": a.color,
                   "level_db_spl": (None if a.level_db_spl is None
                                    else float(draw(a.level_db_spl, rng))),
                   "snr_db": None if a.snr_db is None else float(draw(a.snr_db, rng))}
        if a.bed is not None:  # recorded only then: colour-noise scenes keep their bytes
            ambient.update(bed=a.bed, level_dba=(None if a.level_dba is None
                                                 else float(draw(a.level_dba, rng))))
    return {"sources": sources, "ambient": ambient,
            "ground_reflection": audio.ground_reflection}
