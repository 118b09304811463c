"""The viewer's HTTP API against a real rendered store: JSON, PNG and WAV payloads decode
to the store's shapes and values, and nothing outside the allow-listed routes is served
(path traversal, unknown names, unfinished samples, other methods, other hosts)."""

from __future__ import annotations

import http.client
import io
import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import wave

import numpy as np
import pytest
import zarr
from PIL import Image

from simengine.cli import main
from simengine.json_buffer import decode_json

from .conftest import NOT_DONE


def get(server, target: str, *, method: str = "GET", headers: dict | None = None,
        body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """Send ``target`` verbatim (no client-side normalisation of ``..`` or escapes)."""
    # generous: the timeout guards against a hung server, not a slow one (a busy machine took
    # over 30 s to draw a log-mel image)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    try:
        conn.putrequest(method, target, skip_host=bool(headers and "Host" in headers),
                        skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def get_json(server, target: str):
    status, headers, body = get(server, target)
    assert status == 200, body
    assert headers["content-type"] == "application/json"
    return json.loads(body)


def get_png(server, target: str) -> np.ndarray:
    status, headers, body = get(server, target)
    assert status == 200, body
    assert headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(body)))


@pytest.fixture(scope="module")
def root(viewer_store):
    return zarr.open_group(str(viewer_store), mode="r")


def test_store_summary_lists_sensors_variants_and_done_samples(server):
    info = get_json(server, "/api/store")
    assert info["done"] == [0, 1, 2]
    assert [c["name"] for c in info["cameras"]] == ["cam"]
    assert {(x["name"], x["slots"]) for x in info["lidars"]} == {("lid", 1), ("lid2", 2)}
    assert info["microphones"] == [{"name": "mics", "channels": 4, "rate": 8000.0}]
    assert [v["id"] for v in info["variants"]] == ["cam/0", "lid/0", "aud/0"]
    assert info["classes"][:2] == ["background", "ground"]


def test_index_has_classes_corruptions_and_varying_parameters(server, root):
    index = get_json(server, "/api/index")
    samples = {s["index"]: s for s in index["samples"]}
    assert sorted(samples) == [0, 1, 2]  # the unfinished sample is not listed
    for k, s in samples.items():
        count = int(root["objects/count"][k])
        classes = root.attrs["simengine"]["classes"]
        expected = {classes[c] for c in root["objects/class_id"][k][:count]}
        assert set(s["classes"]) == expected
        applied = root["corrupted/cam/0/applied"][k]
        severity = root["corrupted/cam/0/severity"][k]
        cam = [c for c in s["corruptions"] if c["variant"] == "cam/0"]
        assert [(c["corruption"], c["severity"]) for c in cam] == [
            (n, int(severity[i])) for i, n in enumerate(["gaussian_noise", "contrast"])
            if applied[i]]
    assert "ball" not in samples[1]["classes"] and "ball" in samples[0]["classes"]
    keys = {p["key"]: p for p in index["params"]}
    assert keys["objects.count"]["kind"] == "category"  # 3 or 4 objects
    assert keys["objects.blocks[0].position[0]"]["kind"] == "number"
    assert not any(".orientation[" in k for k in keys)


def test_sample_labels_match_the_store(server, root):
    labels = get_json(server, "/api/sample/0")
    count = int(root["objects/count"][0])
    assert [o["instance"] for o in labels["objects"]] == root["objects/instance_id"][0][
        :count].tolist()
    assert len(labels["impacts"]) == int(root["events/count"][0])
    assert len(labels["sounds"]["mics"]) == int(root["audio/mics/sources/count"][0])
    params = {v["id"]: v["params"] for v in labels["variants"]}
    assert params["lid/0"] == decode_json(root["corrupted/lid/0/params_json"][0])
    instance = decode_json(root["meta/instance_json"][0])
    scene = dict(labels["scene"])
    assert scene["light.intensity"] == instance["light"]["intensity"]
    assert scene["objects.count"] == len(instance["objects"])


@pytest.mark.parametrize("layer", ["rgb", "depth", "instance", "semantic", "normals", "flow",
                                   "mask"])
def test_camera_layers_are_pngs_of_the_image_size(server, layer):
    image = get_png(server, f"/api/sample/0/camera/cam/1/{layer}.png?variant=cam/0")
    assert image.shape[:2] == (48, 64)
    assert image.shape[2] == (3 if layer == "rgb" else 4)


def test_rgb_png_is_the_stored_image_clean_and_corrupted(server, root):
    clean = get_png(server, "/api/sample/2/camera/cam/0/rgb.png")
    assert np.array_equal(clean, root["camera/cam/rgb"][2, 0])
    noisy = get_png(server, "/api/sample/2/camera/cam/0/rgb.png?variant=cam/0")
    assert np.array_equal(noisy, root["corrupted/cam/0/camera/cam/rgb"][2, 0])
    assert not np.array_equal(noisy, clean)


def test_instance_layer_is_transparent_exactly_off_objects(server, root):
    image = get_png(server, "/api/sample/0/camera/cam/0/instance.png")
    assert np.array_equal(image[..., 3] > 0, root["camera/cam/instance"][0, 0] > 0)


def test_camera_boxes_follow_the_labels(server, root):
    boxes = get_json(server, "/api/sample/0/camera/cam/0/boxes.json")
    count = int(root["objects/count"][0])
    assert len(boxes["objects"]) == count
    for m, obj in enumerate(boxes["objects"]):
        if obj["box2d"] is not None:
            np.testing.assert_allclose(obj["box2d"], root["camera/cam/boxes2d"][0, 0, m],
                                       atol=1e-3)
        if obj["corners"] is not None:
            np.testing.assert_allclose(obj["corners"],
                                       root["camera/cam/box3d_corners_2d"][0, 0, m], atol=1e-3)


def _b64(text: str, dtype: str) -> np.ndarray:
    import base64

    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def test_lidar_points_are_the_valid_returns(server, root):
    pts = get_json(server, "/api/sample/0/lidar/lid/1/points.json")
    rng = root["lidar/lid/range"][0, 1]
    valid = rng > 0
    assert pts["n"] == int(valid.sum())
    xyz = _b64(pts["xyz"], "<f4").reshape(-1, 3)
    np.testing.assert_array_equal(xyz, root["lidar/lid/xyz"][0, 1][valid])
    assert len(pts["boxes"]) == int(root["objects/count"][0])
    corners = np.array(pts["boxes"][0]["corners"])
    centre = root["lidar/lid/box3d_center_lidar"][0, 1, 0]
    np.testing.assert_allclose(corners.mean(0), centre, atol=1e-3)


def test_corrupted_lidar_points_come_from_the_variant(server, root):
    pts = get_json(server, "/api/sample/0/lidar/lid/0/points.json?variant=lid/0")
    assert pts["corrupted"] is True
    rng = root["corrupted/lid/0/lidar/lid/range"][0, 0]
    assert pts["n"] == int((rng > 0).sum())


def test_dual_return_lidar_serves_each_slot_and_both(server, root):
    rng = root["lidar/lid2/range"][0, 0]  # (2, R, C)
    n0 = get_json(server, "/api/sample/0/lidar/lid2/0/points.json")["n"]
    n1 = get_json(server, "/api/sample/0/lidar/lid2/0/points.json?return=1")["n"]
    both = get_json(server, "/api/sample/0/lidar/lid2/0/points.json?return=both")["n"]
    assert (n0, n1, both) == (int((rng[0] > 0).sum()), int((rng[1] > 0).sum()), n0 + n1)
    image = get_png(server, "/api/sample/0/lidar/lid2/0/range.png?return=1")
    assert image.shape == (16, 45, 4)
    status, _, _ = get(server, "/api/sample/0/lidar/lid/0/points.json?return=1")
    assert status == 400  # the single-return lidar has no second slot


def test_range_image_rows_run_from_the_highest_beam(server, root):
    image = get_png(server, "/api/sample/0/lidar/lid/0/range.png")
    assert image.shape == (16, 90, 4)
    elevation = root["lidar/lid/elevation"][0]
    order = np.argsort(-elevation, kind="stable")
    assert np.array_equal(image[..., 3] > 0, root["lidar/lid/range"][0, 0][order] > 0)


def test_audio_overview_wav_and_logmel(server, root):
    ov = get_json(server, "/api/sample/0/audio/mics/overview.json?variant=aud/0")
    wav = root["corrupted/aud/0/audio/mics/waveform"][0]
    assert ov["channels"] == 4 and ov["rate"] == 8000.0
    np.testing.assert_allclose(max(max(c) for c in ov["max"]), wav.max(), rtol=1e-4)
    assert len(ov["events"]) == int(root["audio/mics/sources/count"][0])
    for variant in ("", "?variant=aud/0"):
        status, headers, body = get(server, f"/api/sample/0/audio/mics/2.wav{variant}")
        assert status == 200 and headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(body)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
            pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        assert pcm.size == wav.shape[1] and np.abs(pcm).max() > 1000  # audible, not silent
    spec = get_png(server, "/api/sample/0/audio/mics/0/logmel.png")
    assert spec.shape[0] == 64 and spec.shape[1] > 10 and len(np.unique(spec.reshape(-1, 3),
                                                                         axis=0)) > 20


def test_clean_and_corrupted_wav_share_one_gain(server, root):
    def pcm(target):
        with wave.open(io.BytesIO(get(server, target)[2])) as w:
            return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(float)

    clean = pcm("/api/sample/1/audio/mics/0.wav")
    noisy = pcm("/api/sample/1/audio/mics/0.wav?variant=aud/0")
    a = root["audio/mics/waveform"][1, 0]
    b = root["corrupted/aud/0/audio/mics/waveform"][1, 0]
    assert not np.array_equal(a, b)
    i, j = np.abs(a).argmax(), np.abs(b).argmax()  # loud samples: quantisation is negligible
    assert clean[i] / a[i] == pytest.approx(noisy[j] / b[j], rel=1e-3)


def test_static_page_and_scripts(server):
    status, headers, body = get(server, "/")
    assert status == 200 and b"simengine view" in body
    assert "script-src 'self'" in headers["content-security-policy"]
    status, headers, body = get(server, "/static/app.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert b"http://" not in body and b"https://" not in body  # nothing from the internet


def test_head_has_headers_and_no_body(server):
    status, headers, body = get(server, "/api/store", method="HEAD")
    assert status == 200 and int(headers["content-length"]) > 0 and body == b""


def test_array_endpoint_serves_listed_arrays_only(server, root):
    data = get_json(server, "/api/array?sample=0&key=objects/class_id")
    assert data["data"] == root["objects/class_id"][0].tolist()
    for key in ("../../x", "/etc/passwd", "meta/done", "zarr.json", "objects"):
        status, _, _ = get(server, f"/api/array?sample=0&key={key}")
        assert status == 404, key
    status, _, _ = get(server, "/api/array?sample=0&key=camera/cam/rgb&key=objects/count")
    assert status == 400


SECRET = b"root:"  # /etc/passwd's first line; must never appear in any answer

TRAVERSALS = [
    "/../../../../etc/passwd",
    "/static/../../etc/passwd",
    "/static/..%2f..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/static/%252e%252e/etc/passwd",
    "/static/..\\..\\etc\\passwd",
    "//etc/passwd",
    "http://127.0.0.1/etc/passwd",
    "/etc/passwd",
    "/static/index.html/../../zarr.json",
    "/zarr.json",
    "/meta/done/zarr.json",
    "/static/%00index.html",
    "/api/sample/0/camera/../../../etc/passwd/0/rgb.png",
    "/api/sample/0/camera/cam/0/..%2f..%2fzarr.png",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_path_traversal_is_refused(server, viewer_store, target):
    status, _, body = get(server, target)
    assert 400 <= status < 500, target
    assert SECRET not in body and b'"zarr_format"' not in body


@pytest.mark.parametrize("target, status", [
    (f"/api/sample/{NOT_DONE}", 404),  # not rendered yet
    ("/api/sample/4", 404),  # out of range
    ("/api/sample/99999999", 404),
    ("/api/sample/-1", 404),
    ("/api/sample/0/camera/nope/0/rgb.png", 404),  # unknown sensor
    ("/api/sample/0/camera/lid/0/rgb.png", 404),  # a lidar is not a camera
    ("/api/sample/0/camera/cam/2/rgb.png", 404),  # frame out of range
    ("/api/sample/0/camera/cam/0/secret.png", 404),  # unknown layer
    ("/api/sample/0/camera/cam/0/rgb.png?variant=nope/0", 404),
    ("/api/sample/0/camera/cam/0/rgb.png?variant=../../x", 404),
    ("/api/sample/0/camera/cam/0/rgb.png?colour=1", 400),  # unknown query parameter
    ("/api/sample/0/audio/mics/4.wav", 404),  # channel out of range
    (f"/api/sample/{NOT_DONE}/thumb.png", 404),
    ("/static/nope.js", 404),
])
def test_bad_names_are_refused(server, target, status):
    got, _, body = get(server, target)
    assert got == status, body
    assert "error" in json.loads(body)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"])
def test_other_methods_are_not_allowed(server, method):
    status, headers, _ = get(server, "/api/store", method=method, body=b"{}")
    assert status == 405
    assert headers["allow"] == "GET, HEAD"


def test_other_host_headers_are_refused(server):
    status, _, _ = get(server, "/api/store", headers={"Host": "evil.example:80"})
    assert status == 403
    status, _, _ = get(server, "/api/store", headers={"Host": f"localhost:{server.port}"})
    assert status == 200


def test_server_binds_loopback_only(server):
    assert server.server_address[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/"


def test_urllib_client_works(server):
    with urllib.request.urlopen(server.url + "api/store", timeout=300) as res:
        assert json.load(res)["scene"] == "mini"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(server.url + "api/sample/3", timeout=300)
    assert err.value.code == 404
    err.value.close()  # the error holds the response's socket


def test_store_is_not_modified(server, viewer_store):
    before = {p: p.stat().st_mtime_ns for p in viewer_store.rglob("*") if p.is_file()}
    get(server, "/api/index")
    get(server, "/api/sample/0/camera/cam/0/depth.png")
    get(server, "/api/array?sample=0&key=objects/count")
    after = {p: p.stat().st_mtime_ns for p in viewer_store.rglob("*") if p.is_file()}
    assert before == after


@pytest.mark.parametrize("store", ["missing", "file", "plain_dir"])
def test_cli_rejects_a_bad_store_in_one_line(tmp_path, capsys, store):
    path = tmp_path / store
    if store == "file":
        path.write_text("not a store")
    elif store == "plain_dir":
        path.mkdir()
        zarr.open_group(str(path), mode="w")  # a Zarr group, not a simengine store
    assert main(["view", str(path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("simengine: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_cli_rejects_a_bad_port(viewer_store, capsys):
    assert main(["view", str(viewer_store), "--port", "70000"]) == 2
    assert "port" in capsys.readouterr().err


def test_cli_reports_a_busy_port(viewer_store, server, capsys):
    assert main(["view", str(viewer_store), "--port", str(server.port)]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{server.port}" in err and err.count("\n") == 1


# Bounds a hang only, never a speed: on a loaded 2-core machine the CLI's start (imports, the
# store) and the interpreter's exit can take many times what they take alone.
HANG_S = 300


def _first_line(proc: subprocess.Popen) -> str:
    """The first line ``proc`` prints (the URL, printed once it listens), waiting at most
    HANG_S; '' if it exits first."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        return lines.get(timeout=HANG_S)
    except queue.Empty:
        pytest.fail(f"simengine view printed no URL within {HANG_S} s")


def test_cli_prints_the_url_serves_and_stops_on_ctrl_c(viewer_store):
    proc = subprocess.Popen([sys.executable, "-m", "simengine", "view", str(viewer_store),
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    idle = None
    try:
        line = _first_line(proc)
        if not line.startswith("simengine view: "):
            _, err = proc.communicate(timeout=HANG_S)
            pytest.fail(f"expected the URL line, got {line!r} (exit {proc.returncode}): {err}")
        url = line.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "api/store", timeout=HANG_S) as res:
            assert json.load(res)["done"] == [0, 1, 2]
        # a browser's idle connection, its request half sent, holds a handler thread
        idle = socket.create_connection(("127.0.0.1", int(url.rstrip("/").rsplit(":", 1)[1])),
                                        timeout=HANG_S)
        idle.sendall(b"GET /api/store HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=HANG_S)
    finally:
        if idle is not None:
            idle.close()
        _reap(proc)
    assert proc.returncode == 130, err
    assert err == "simengine: interrupted\n"


def _reap(proc: subprocess.Popen) -> None:
    """Kill ``proc`` if a failed check left it running, and close its pipes."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    proc.stdout.close()
    proc.stderr.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_stops_on_a_signal_even_when_its_shell_ignored_sigint(viewer_store, sig):
    """A shell without job control starts background commands with SIGINT ignored; Ctrl-C
    (and SIGTERM) must still stop the viewer."""
    command = f'trap "" INT; exec "{sys.executable}" -m simengine view "{viewer_store}" --port 0'
    proc = subprocess.Popen(["bash", "-c", command], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert _first_line(proc).startswith("simengine view: ")
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=HANG_S)
    finally:
        _reap(proc)
    assert proc.returncode == 130, err
    assert err == "simengine: interrupted\n"
