"""The scene's ``audio`` section: sound sources, ambient noise, ground reflection.

YAML (every number may be a distribution unless noted)::

    audio:
      ground_reflection: true          # outdoor scenes (ground, no room); default true
      ambient: {color: pink, level_db_spl: 35}     # or {color: brown, snr_db: 20}
      # or a bed with a real scene's spectrum at an A-weighted level (LAeq at the array):
      # ambient: {bed: urban_traffic, level_dba: {uniform: [55, 65]}}   # hvac | room_tone
      sources:
        - name: radio                   # unique; default source<i>
          kind: babble                  # tone | hum | chirp | noise_burst | babble | clip
          class: speech                 # label class (default: the kind); not randomised
          attach: {group: balls, index: 0}   # follow an object (index within its group) ...
          position: [0, 0, 0.1]         # ... offset from its centre (world axes), or fixed
          start: 0.1                    # s after the start of the recording window
          duration: 0.5                 # s (default: to the end of the window / clip)
          level_db_spl: 65              # RMS level at 1 m while it plays
          frequency: 150                # tone Hz, hum fundamental, chirp start, babble mean f0
          frequency_end: 4000           # chirp end (Hz)
          harmonics: 6                  # hum (integer)
          voices: 3                     # babble talkers (integer)
          color: white                  # noise_burst spectrum: white | pink | brown
          file: clips/door.wav          # clip: WAV/FLAC/OGG, relative to the scene file
          loop: false                   # clip: repeat to fill the duration

Room acoustics keys live in ``world.room`` (``rt60`` or ``absorption``) and are parsed by the
loader with the rest of the room.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..assets import AssetResolver
from .distributions import Param, parse_number
from .node import Node

SOURCE_KINDS = ("tone", "hum", "chirp", "noise_burst", "babble", "clip")
NOISE_COLORS = ("white", "pink", "brown")
CLIP_SUFFIXES = (".wav", ".flac", ".ogg")
COMMON_KEYS = {"name", "kind", "class", "attach", "position", "start", "duration",
               "level_db_spl"}
KIND_KEYS = {"tone": {"frequency"}, "hum": {"frequency", "harmonics"},
             "chirp": {"frequency", "frequency_end"}, "noise_burst": {"color"},
             "babble": {"frequency", "voices"}, "clip": {"file", "loop"}}
DEFAULT_FREQUENCY = {"tone": 440.0, "hum": 100.0, "chirp": 200.0, "babble": 150.0}
MAX_SOURCES = 32


@dataclass(frozen=True)
class SoundSourceSpec:
    name: str
    kind: str
    class_name: str
    attach_group: str | None
    attach_index: int
    position: tuple[Param, Param, Param]
    start: Param
    duration: Param | None
    level_db_spl: Param
    frequency: Param
    frequency_end: Param
    harmonics: Param
    voices: Param
    color: str
    file: str | None  # the file to read (resolved once, at load)
    loop: bool
    file_name: str | None = None  # as the scene names it: what samples record


@dataclass(frozen=True)
class AmbientSpec:
    color: str | None  # exactly one of color and bed
    level_db_spl: Param | None  # exactly one of the three levels
    snr_db: Param | None
    bed: str | None = None
    level_dba: Param | None = None


@dataclass(frozen=True)
class AudioSpec:
    sources: tuple[SoundSourceSpec, ...] = ()
    ambient: AmbientSpec | None = None
    ground_reflection: bool = True


def parse_audio(node: Node, assets: AssetResolver, groups: set[str]) -> AudioSpec:
    node.mapping({"sources", "ambient", "ground_reflection"})
    sources: list[SoundSourceSpec] = []
    names: set[str] = set()
    if node.has("sources"):
        for i, s in enumerate(node.get("sources").sequence(0, MAX_SOURCES)):
            src = _source(s, i, assets, groups)
            if src.name in names:
                raise s.get("name").error("expected a unique source name")
            names.add(src.name)
            sources.append(src)
    ambient = None
    if node.has("ambient"):
        ambient = _ambient(node.get("ambient"))
    return AudioSpec(sources=tuple(sources), ambient=ambient,
                     ground_reflection=node.get("ground_reflection", True).boolean())


def _ambient(a: Node) -> AmbientSpec:
    from ..sensors.microphone.ambient_beds import BEDS

    a.mapping({"color", "bed", "level_db_spl", "level_dba", "snr_db"})
    if a.has("color") == a.has("bed"):
        raise a.error("expected exactly one of color and bed", show_value=False)
    levels = [k for k in ("level_db_spl", "level_dba", "snr_db") if a.has(k)]
    if len(levels) != 1:
        what = ("level_db_spl and snr_db" if a.has("color") and not a.has("level_dba")
                else "level_db_spl, level_dba and snr_db")
        raise a.error(f"expected exactly one of {what}", show_value=False)

    def level(key, lo, hi):
        return parse_number(a.get(key), minimum=lo, maximum=hi) if a.has(key) else None

    return AmbientSpec(
        color=a.get("color").string(NOISE_COLORS) if a.has("color") else None,
        bed=a.get("bed").string(tuple(BEDS)) if a.has("bed") else None,
        level_db_spl=level("level_db_spl", -20.0, 140.0),
        level_dba=level("level_dba", -20.0, 140.0),
        snr_db=level("snr_db", -40.0, 80.0))


def _source(s: Node, i: int, assets: AssetResolver, groups: set[str]) -> SoundSourceSpec:
    s.mapping(None, required={"kind"})
    kind = s.get("kind").string(SOURCE_KINDS)
    s.mapping(COMMON_KEYS | KIND_KEYS[kind], required={"kind"})
    name = s.get("name", f"source{i}").string()
    group, index = None, 0
    if s.has("attach"):
        a = s.get("attach").mapping({"group", "index"}, required={"group"})
        group = a.get("group").string()
        if group not in groups:
            raise a.get("group").error("expected the name of an object group ("
                                       + ", ".join(sorted(groups)) + ")")
        index = a.get("index", 0).integer(minimum=0, maximum=4095)
    elif not s.has("position"):
        raise s.error("expected a fixed position or attach: {group: ...}", show_value=False)
    file = file_name = None
    if kind == "clip":
        f = s.get("file")
        file_name = f.string()
        if Path(file_name).suffix.lower() not in CLIP_SUFFIXES:
            raise f.error("expected a .wav, .flac or .ogg file")
        path = Path(assets.find(f, "expected an audio file next to the scene or in "
                                   "SIMENGINE_ASSET_PATH (not found)"))
        _check_readable(f, path)
        file = str(path)
    default_f = DEFAULT_FREQUENCY.get(kind, 440.0)
    return SoundSourceSpec(
        name=name, kind=kind, class_name=s.get("class", kind).string(),
        attach_group=group, attach_index=index,
        position=tuple(parse_number(v) for v in s.get("position", [0.0, 0.0, 0.0])
                       .sequence(3, 3)),  # type: ignore[arg-type]
        start=parse_number(s.get("start", 0.0), minimum=0.0, maximum=600.0),
        duration=(parse_number(s.get("duration"), positive=True, maximum=600.0)
                  if s.has("duration") else None),
        level_db_spl=parse_number(s.get("level_db_spl", 60.0), minimum=-20.0, maximum=160.0),
        frequency=parse_number(s.get("frequency", default_f), minimum=1.0, maximum=96000.0),
        frequency_end=parse_number(s.get("frequency_end", 4000.0), minimum=1.0,
                                   maximum=96000.0),
        harmonics=parse_number(s.get("harmonics", 6), integer=True, minimum=1, maximum=64),
        voices=parse_number(s.get("voices", 1), integer=True, minimum=1, maximum=16),
        color=s.get("color", "white").string(NOISE_COLORS),
        file=file, file_name=file_name, loop=s.get("loop", False).boolean())


def _check_readable(node: Node, path: Path) -> None:
    import soundfile

    try:
        info = soundfile.info(str(path))
    except Exception:
        raise node.error("expected a readable WAV, FLAC or OGG file") from None
    if info.frames < 1:
        raise node.error("expected an audio file holding at least one sample")

