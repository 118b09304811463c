"""Audio from simulated scenes (PyBullet): a sliding box gives one continuous contact
sound whose duration and force follow Coulomb friction in closed form; a scene with a room,
sources and ambient noise renders with its declared layout, labels and determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

import simengine
from simengine.spec.loader import scene_from_dict

G = 9.81


def slide_scene(v0: float, friction: float, mass: float = 1.0):
    return scene_from_dict({
        "name": "slide",
        "world": {"gravity": [0, 0, -G], "ground": {"material": "concrete"},
                  "bounds": {"min": [-5, -5, -1], "max": [5, 5, 5]}},
        "objects": [{"name": "box", "template": {
            "shape": "box", "size": [0.2, 0.2, 0.1], "mass": mass, "friction": friction,
            "restitution": 0.0, "material": "metal", "class": "box"},
            "position": [-1.0, 0.0, 0.05], "linear_velocity": [v0, 0, 0]}],
        "simulation": {"time_step": 1 / 240, "capture_times": [1.2], "duration": 1.2},
        "sensors": [{"name": "mic", "preset": "circular4_r32mm",
                     "overrides": {"self_noise_db_spl": 0.0},
                     "pose": {"position": [0.0, 1.0, 0.3]}}],
    }, source="<slide>")


def test_sliding_box_is_one_continuous_contact_sound() -> None:
    from simengine.physics.world import simulate

    v0, mu, mass = 3.0, 0.5, 1.0
    spec = slide_scene(v0, mu, mass)
    engine = simengine.Engine(spec, seed=0)
    result = simulate(engine.instance(0), spec.schedule, spec.world)
    slides = result.recording.slides
    assert len(slides) == 1
    ep = slides[0]
    mu_eff = mu * 0.8  # PyBullet multiplies the two lateral frictions (ground: 0.8)
    duration = v0 / (mu_eff * G)  # Coulomb friction: constant deceleration mu g
    assert ep.times[-1] - ep.times[0] == pytest.approx(duration, rel=0.1)
    assert np.median(ep.force) == pytest.approx(mass * G, rel=0.1)
    assert ep.speed[0] == pytest.approx(v0, rel=0.1)

    sample = engine.sample(0)
    y = sample["audio/mic/waveform"][0].astype(np.float64)
    n = int(sample["audio/mic/sources/count"])
    kinds = sample["audio/mic/sources/kind"][:n]
    assert list(kinds).count(1) == 1
    i = int(np.flatnonzero(kinds == 1)[0])
    onset = sample["audio/mic/sources/onset"][i]
    offset = sample["audio/mic/sources/offset"][i]
    assert offset - onset == pytest.approx(ep.times[-1] - ep.times[0], abs=0.02)
    # continuous: every 20 ms frame of the slide's middle carries sound well above the noise
    # and none is a gap (a train of clicks would leave most frames near the noise floor)
    a, b = int((onset + 0.05) * 16000), int((offset - 0.15) * 16000)
    frames = y[a:b][: (b - a) // 320 * 320].reshape(-1, 320)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    floor = 20e-6  # 0 dB SPL self-noise
    assert rms.min() > 30 * floor
    assert rms.min() > 0.1 * np.median(rms)
    assert sample["audio/mic/sources/material_a"][i] >= 0


SCENE = {
    "name": "room_audio",
    "world": {"ground": False,
              "room": {"size": [5.0, 4.0, 3.0], "rt60": {"uniform": [0.3, 0.5]}},
              "bounds": {"min": [-4, -4, -1], "max": [4, 4, 4]}},
    "objects": [{"name": "balls", "template": {"shape": "sphere", "radius": 0.05,
                                               "material": "rubber", "class": "ball",
                                               "restitution": 0.5},
                 "position": [0.5, 0.0, 1.0], "linear_velocity": [1.0, 0, 0]}],
    "simulation": {"capture_times": [0.6], "duration": 0.6, "max_events": 8},
    "sensors": [{"name": "mics", "preset": "binaural_0.18m",
                 "overrides": {"sample_rate": 16000, "output_stems": True,
                               "output_logmel": True, "directivity": "cardioid"},
                 "pose": {"position": [-1.0, 0.5, 1.2]}}],
    "audio": {"ambient": {"color": "pink", "snr_db": 20.0},
              "sources": [{"name": "beeper", "kind": "tone", "class": "beep",
                           "attach": {"group": "balls"}, "frequency": 2000.0,
                           "level_db_spl": 65.0, "start": 0.05, "duration": 0.3},
                          {"name": "voice", "kind": "babble", "class": "speech",
                           "position": [2.0, -1.5, 1.6]}]},
}


def test_room_scene_renders_with_labels_and_determinism() -> None:
    spec = scene_from_dict(SCENE, source="<room_audio>")
    assert spec.classes[-2:] == ("beep", "speech")  # after every object class
    engine = simengine.Engine(spec, seed=3)
    a, b = engine.sample(0), simengine.Engine(spec, seed=3).sample(0)
    for key in a:
        assert a[key].tobytes() == b[key].tobytes(), key
    p = "audio/mics/"
    assert a[p + "stems"].shape == (5, 2, 9600)
    assert 0.3 * 0.97 <= float(a[p + "rt60"]) <= 0.5 * 1.03
    assert float(a[p + "snr_db"]) == pytest.approx(20.0, abs=0.01)
    n = int(a[p + "sources/count"])
    kinds = list(a[p + "sources/kind"][:n])
    assert kinds.count(2) == 2  # both scene sources are listed
    scene_idx = a[p + "sources/scene_source"][:n]
    beep = int(np.flatnonzero(scene_idx == 0)[0])
    assert a[p + "sources/class_a"][beep] == spec.classes.index("beep")
    assert a[p + "sources/instance_a"][beep] == 1  # it follows the ball
    # the beep is emitted from the ball's position at 0.05 s (the ball starts at x = 0.5
    # and flies at 1 m/s): its labelled position is on that trajectory
    pos = a[p + "sources/position"][beep]
    assert pos[0] == pytest.approx(0.55, abs=0.01)
    # the rendered stems add up to the clean sound: waveform minus it is the noise
    noise = a[p + "waveform"].astype(np.float64) - a[p + "stems"].astype(np.float64).sum(0)
    clean = a[p + "stems"].astype(np.float64).sum(0)
    assert 10 * math.log10(np.sum(clean**2) / np.sum(noise**2)) == pytest.approx(20.0, abs=0.5)


def test_clip_path_resolves_next_to_the_scene_and_is_sampled(tmp_path) -> None:
    import soundfile

    from simengine.instance import sample_instance
    from simengine.spec.loader import load_scene

    (tmp_path / "clips").mkdir()
    soundfile.write(tmp_path / "clips" / "door.flac", np.zeros(800), 8000)
    scene = tmp_path / "scene.yaml"
    scene.write_text(
        "name: clip\nobjects:\n  - name: things\n    template: {shape: sphere, radius: 0.1}\n"
        "    position: [0, 0, 0.5]\n"
        "sensors:\n  - name: mic\n    preset: binaural_0.18m\n    pose: {position: [1, 0, 1]}\n"
        "audio:\n  sources:\n    - {kind: clip, file: clips/door.flac, position: [0, 0, 1],\n"
        "       level_db_spl: {uniform: [50, 60]}, attach: {group: things}}\n",
        encoding="utf-8")
    spec = load_scene(scene)
    assert spec.audio.sources[0].file == str((tmp_path / "clips" / "door.flac").resolve())
    src = sample_instance(spec, 0, 0).extra["audio"]["sources"][0]
    assert src["attach_instance"] == 1 and 50 <= src["level_db_spl"] <= 60
    assert spec.classes[-1] == "clip"
