"""The viewer's routes: a request target parsed to one allow-listed route and answered.

Path segments that name things (sample, sensor, frame, layer, variant, array key) are checked
against the store's own attributes (:mod:`.store_view`) before any read. Nothing maps a URL
to a file path: static files are read from the package once, into a dict keyed by bare file
name, and data only ever comes from arrays the store lists. Bad input raises
:class:`~.store_view.NotFoundError` (404) or :class:`~.store_view.BadRequestError` (400).
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from . import audio, camera, labels, lidar
from .images import PALETTE, png
from .index import build_index
from .store_view import BadRequestError, NotFoundError, StoreView, Variant

MAX_ARRAY_ELEMENTS = 1_000_000  # /api/array is for labels and small arrays, not images
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
_K = r"/api/sample/(?P<k>\d{1,9})"
_S = r"(?P<sensor>[A-Za-z0-9_.-]{1,64})"
_F = r"(?P<frame>\d{1,6})"

Response = tuple[int, str, bytes]


def _json_safe(value: Any) -> Any:
    """JSON has no NaN/inf: they become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def json_response(value: Any, status: int = 200) -> Response:
    body = json.dumps(_json_safe(value), separators=(",", ":"), allow_nan=False).encode()
    return status, "application/json", body


class App:
    """Routes a request target to a payload; raises NotFoundError/BadRequestError for bad input."""

    def __init__(self, view: StoreView) -> None:
        self.view = view
        self.static = _load_static()
        self._index: dict[str, Any] | None = None
        self._index_lock = threading.Lock()
        self.routes: list[tuple[re.Pattern[str], Callable[..., Response], frozenset[str]]] = [
            (re.compile(p), h, frozenset(q)) for p, h, q in (
                (r"/|/index\.html", self.page, ()),
                (r"/static/(?P<name>[A-Za-z0-9_-]{1,64}\.[a-z]{2,4})", self.static_file, ()),
                (r"/api/store", self.store_info, ()),
                (r"/api/index", self.index, ()),
                (r"/api/array", self.array, ("sample", "key")),
                (_K, self.sample, ()),
                (_K + r"/thumb\.png", self.thumb, ()),
                (_K + rf"/camera/{_S}/{_F}/(?P<layer>[a-z]{{1,16}})\.png", self.camera_layer,
                 ("variant",)),
                (_K + rf"/camera/{_S}/{_F}/boxes\.json", self.camera_boxes, ()),
                (_K + rf"/lidar/{_S}/{_F}/points\.json", self.lidar_points,
                 ("variant", "return")),
                (_K + rf"/lidar/{_S}/{_F}/(?P<what>range|intensity)\.png", self.lidar_image,
                 ("variant", "return")),
                (_K + rf"/audio/{_S}/overview\.json", self.audio_overview, ("variant",)),
                (_K + rf"/audio/{_S}/(?P<channel>\d{{1,4}})\.wav", self.audio_wav,
                 ("variant",)),
                (_K + rf"/audio/{_S}/(?P<channel>\d{{1,4}})/logmel\.png", self.audio_logmel,
                 ("variant",)),
            )]

    def handle(self, target: str) -> Response:
        path, query = parse_target(target)
        for pattern, handler, allowed in self.routes:
            match = pattern.fullmatch(path)
            if match:
                unknown = set(query) - allowed
                if unknown:
                    names = ", ".join(sorted(unknown))
                    raise BadRequestError(f"unknown query parameter(s): {names}")
                return handler(query=query, **match.groupdict())
        raise NotFoundError("no such page")

    # --- page and static files -------------------------------------------------------
    def page(self, query: dict[str, str]) -> Response:
        return self.static_file(query, "index.html")

    def static_file(self, query: dict[str, str], name: str) -> Response:
        if name not in self.static:
            raise NotFoundError("no such file")
        ctype, body = self.static[name]
        return 200, ctype, body

    # --- store-wide ------------------------------------------------------------------
    def store_info(self, query: dict[str, str]) -> Response:
        v = self.view
        frames = v.shape("meta/time")[0] if v.has("meta/time") else 1
        cams = [{"name": n, "height": v.shape(f"camera/{n}/rgb")[1],
                 "width": v.shape(f"camera/{n}/rgb")[2], "frames": v.shape(f"camera/{n}/rgb")[0],
                 "layers": camera.layers_of(v, f"camera/{n}")} for n in v.sensors_of("camera")]
        lids = [{"name": n, "frames": v.shape(f"lidar/{n}/range")[0],
                 "slots": lidar.slots(v, f"lidar/{n}"),
                 "rings": v.shape(f"lidar/{n}/range")[-2],
                 "columns": v.shape(f"lidar/{n}/range")[-1]} for n in v.sensors_of("lidar")]
        mics = [{"name": n, "channels": v.shape(f"audio/{n}/waveform")[0],
                 "rate": v.audio_rate(n)} for n in v.sensors_of("microphone")]
        return json_response({
            "path": v.path, "scene": v.attrs.get("scene_name"),
            "scene_hash": v.attrs.get("scene_hash"), "root_seed": v.attrs.get("root_seed"),
            "engine_version": v.attrs.get("engine_version"), "num_samples": v.num_samples,
            "done": v.done_indices().tolist(), "classes": v.classes, "frames": frames,
            "palette": PALETTE.tolist(), "cameras": cams, "lidars": lids,
            "microphones": mics,
            "variants": [{"id": vid, "set": x.set, "slot": x.slot,
                          "corruptions": list(x.corruptions),
                          "heads": sorted({t.rsplit("/", 1)[0] for t in x.targets})}
                         for vid, x in v.variants.items()],
        })

    def index(self, query: dict[str, str]) -> Response:
        with self._index_lock:
            if self._index is None:
                self._index = build_index(self.view)
            return json_response(self._index)

    def array(self, query: dict[str, str]) -> Response:
        if "key" not in query or "sample" not in query:
            raise BadRequestError("/api/array needs ?sample=K&key=ARRAY")
        key = query["key"]
        if not self.view.has(key):
            raise NotFoundError(f"no array {key!r} in the store")
        k = self.view.sample(query["sample"])
        shape = self.view.shape(key)
        if math.prod(shape) > MAX_ARRAY_ELEMENTS:
            raise BadRequestError(f"{key} has {math.prod(shape)} elements per sample; at most "
                             f"{MAX_ARRAY_ELEMENTS} are served as JSON")
        data = self.view.read(key, k)
        meta = self.view.attrs["arrays"].get(key, {})
        return json_response({"key": key, "sample": k, "shape": list(shape),
                              "dtype": str(data.dtype), "unit": meta.get("unit"),
                              "doc": meta.get("doc"), "data": data.tolist()})

    # --- one sample ------------------------------------------------------------------
    def _variant(self, query: dict[str, str]) -> Variant | None:
        return self.view.variant(query.get("variant"))

    def sample(self, query: dict[str, str], k: str) -> Response:
        return json_response(labels.sample_labels(self.view, self.view.sample(k)))

    def thumb(self, query: dict[str, str], k: str) -> Response:
        return 200, "image/png", camera.thumbnail_png(self.view, self.view.sample(k))

    def camera_layer(self, query: dict[str, str], k: str, sensor: str, frame: str,
                     layer: str) -> Response:
        head = self.view.sensor(sensor, "camera")
        if layer not in camera.layers_of(self.view, head):
            raise NotFoundError(f"no camera layer {layer!r}")
        body = camera.layer_png(self.view, self.view.sample(k), head,
                                self.view.frame(frame, f"{head}/rgb"), layer,
                                self._variant(query))
        return 200, "image/png", body

    def camera_boxes(self, query: dict[str, str], k: str, sensor: str, frame: str) -> Response:
        head = self.view.sensor(sensor, "camera")
        return json_response(camera.boxes(self.view, self.view.sample(k), head,
                                  self.view.frame(frame, f"{head}/rgb")))

    def _lidar_args(self, query: dict[str, str], k: str, sensor: str, frame: str
                    ) -> tuple[int, str, int, Variant | None, str]:
        head = self.view.sensor(sensor, "lidar")
        ret = query.get("return", "0")
        if ret not in lidar.RETURNS or (ret != "0" and lidar.slots(self.view, head) == 1):
            raise BadRequestError(f"return {ret!r} not available for lidar {sensor!r}")
        return (self.view.sample(k), head, self.view.frame(frame, f"{head}/range"),
                self._variant(query), ret)

    def lidar_points(self, query: dict[str, str], k: str, sensor: str, frame: str) -> Response:
        kk, head, f, variant, ret = self._lidar_args(query, k, sensor, frame)
        return json_response(lidar.points(self.view, kk, head, f, variant, ret))

    def lidar_image(self, query: dict[str, str], k: str, sensor: str, frame: str,
                    what: str) -> Response:
        kk, head, f, variant, ret = self._lidar_args(query, k, sensor, frame)
        image = lidar.range_image(self.view, kk, head, f, variant, what,
                                  1 if ret == "1" else 0)
        return 200, "image/png", png(image)

    def audio_overview(self, query: dict[str, str], k: str, sensor: str) -> Response:
        head = self.view.sensor(sensor, "microphone")
        return json_response(audio.overview(self.view, self.view.sample(k), head,
                                            self._variant(query)))

    def audio_wav(self, query: dict[str, str], k: str, sensor: str, channel: str) -> Response:
        head = self.view.sensor(sensor, "microphone")
        body = audio.wav_bytes(self.view, self.view.sample(k), head, int(channel),
                               self._variant(query))
        return 200, "audio/wav", body

    def audio_logmel(self, query: dict[str, str], k: str, sensor: str, channel: str
                     ) -> Response:
        head = self.view.sensor(sensor, "microphone")
        body = audio.logmel_png(self.view, self.view.sample(k), head, int(channel),
                                self._variant(query))
        return 200, "image/png", body


def parse_target(target: str) -> tuple[str, dict[str, str]]:
    """The decoded path and query of a request target. Refuses absolute URLs, encoded or
    literal dot segments, backslashes, NUL, empty segments and repeated query keys, so a
    route regex never sees anything path-like beyond plain names."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        raise BadRequestError("only origin-form request targets (/path?query) are served")
    try:
        path = unquote(parts.path, errors="strict")
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query),
                          errors="strict", max_num_fields=16)
    except (UnicodeDecodeError, ValueError):
        raise BadRequestError("malformed request target") from None
    segments = path.split("/")[1:]
    if any(s in (".", "..") for s in segments) or any(c in path for c in "\\\x00%") \
            or "//" in path:
        raise BadRequestError("path segments must be plain names")
    query = dict(pairs)
    if len(query) != len(pairs):
        raise BadRequestError("repeated query parameter")
    return path, query


def _load_static() -> dict[str, tuple[str, bytes]]:
    """The page's files (package data), by bare name, read once."""
    out = {}
    for entry in resources.files("simengine.viewer").joinpath("static").iterdir():
        suffix = Path(entry.name).suffix
        if entry.is_file() and suffix in _TYPES:
            out[entry.name] = (_TYPES[suffix], entry.read_bytes())
    return out
