"""Weather follows the scene: fog's airlight is the radiance of the scene's own sky (or, in a
closed room, of fog lit by the scene's light), and rain and snow fall only under an open sky.

Expectations are derived from the scene's numbers alone: the sRGB curve (IEC 61966-2-1)
written out here, Koschmieder's law t·L + (1 − t)·A with t = exp(−ln 20 / MOR · range)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from simengine import Engine
from simengine.corruptions import get
from simengine.json_buffer import decode_json
from simengine.spec.loader import scene_from_dict

from ..conftest import MINI

TOP, BOTTOM = (0.08, 0.07, 0.14), (0.30, 0.19, 0.16)  # a dusk sky: dark blue over dim orange
DUSK = {
    "name": "dusk",
    "world": {"ground": {"material": "asphalt", "color": [0.2, 0.2, 0.2]},
              "background": {"top": list(TOP), "bottom": list(BOTTOM)},
              "light": {"direction": [-1.0, 0.3, -0.12], "ambient": 0.05, "intensity": 0.2}},
    "objects": [{"name": "wall", "position": [9.0, 0.0, 1.0],
                 "template": {"shape": "box", "size": [0.5, 6.0, 2.0], "fixed": True,
                              "color": [0.7, 0.7, 0.7]}}],
    "simulation": {"capture_times": [0.05], "duration": 0.05},
    "sensors": [{"name": "cam", "preset": "rgbd_d435_640x480",
                 "overrides": {"width": 96, "height": 64, "far": 150.0},
                 "pose": {"position": [0.0, 0.0, 1.6], "look_at": [10.0, 0.0, 1.4]}}],
    "corruptions": [{"name": "fog", "corruptions": ["weather_fog", "depth_fog"],
                     "policy": "all", "severity": 1}],
}


def srgb_to_linear(c):
    c = np.asarray(c, np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_code(x):
    x = np.clip(np.asarray(x, np.float64), 0.0, 1.0)
    v = np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)
    return np.floor(255.0 * v + 0.5)


def ray_range(depth, K):
    h, w = depth.shape
    u, v = np.meshgrid(np.arange(w), np.arange(h))
    return depth * np.sqrt(((u - K[0, 2]) / K[0, 0]) ** 2 + ((v - K[1, 2]) / K[1, 1]) ** 2 + 1)


@pytest.fixture(scope="module")
def dusk():
    return Engine(scene_from_dict(copy.deepcopy(DUSK), source="dusk.yaml"), seed=0).sample(0)


@pytest.mark.parametrize("slot", [0, 1], ids=["weather_fog", "depth_fog"])
def test_dusk_fog_takes_the_scenes_sky_as_airlight(dusk, slot):
    """The renderer shades the sky by elevation between the gradient's linear colours; the
    horizon (elevation 0) is their mean: infinitely far pixels converge to it. Fog at
    severity 1 must not light a dusk sky up."""
    airlight = 0.5 * (srgb_to_linear(TOP) + srgb_to_linear(BOTTOM))
    clean = dusk["camera/cam/rgb"][0].astype(np.float64)
    fogged = dusk[f"corrupted/fog/{slot}/camera/cam/rgb"][0].astype(np.float64)
    depth = dusk["camera/cam/depth"][0]
    sky = depth == 0
    assert 0.2 < sky.mean() < 0.8
    # the sky is the airlight, never brighter than the clean sky anywhere
    np.testing.assert_allclose(fogged[sky], np.broadcast_to(linear_to_code(airlight),
                                                            fogged[sky].shape), atol=1)
    assert np.all(fogged[sky] <= clean[sky].max(axis=0) + 1)
    assert fogged[sky].mean() < 80  # the old grey airlight (linear 0.8) was code 231
    # every surface: Koschmieder with that airlight (MOR 300 m)
    t = np.exp(-math.log(20.0) / 300.0 * ray_range(depth, dusk["camera/cam/K"]))[~sky]
    expected = linear_to_code(srgb_to_linear(clean[~sky] / 255.0) * t[:, None]
                              + airlight * (1 - t[:, None]))
    assert np.abs(fogged[~sky] - expected).max() <= 1
    params = decode_json(dusk[f"corrupted/fog/{slot}/params_json"])
    label = params["weather_fog"]["rig"][0] if slot == 0 else params["depth_fog"]["camera/cam"][0]
    if slot == 1:
        got = [label[f"airlight_{c}"] for c in "rgb"]
        np.testing.assert_allclose(got, airlight, rtol=1e-5)
    assert label["mor_m"] == 300.0


def test_clean_arrays_are_untouched_by_the_airlight(dusk):
    plain = copy.deepcopy(DUSK)
    del plain["corruptions"]
    clean = Engine(scene_from_dict(plain, source="dusk.yaml"), seed=0).sample(0)
    for key, value in clean.items():
        assert dusk[key].tobytes() == value.tobytes(), key


def test_the_airlight_goes_through_the_cameras_exposure_and_tone_curve():
    """An exposure gain of 0.5 and a plain 2.2 gamma: the sky renders darker, and the fog's
    sky is still the sky (as the corruption decodes images: with the sRGB curve)."""
    data = copy.deepcopy(DUSK)
    data["sensors"][0]["overrides"].update({"exposure_gain": 0.5, "gamma": 2.2})
    sample = Engine(scene_from_dict(data, source="dusk.yaml"), seed=0).sample(0)
    horizon = 0.5 * 0.5 * (srgb_to_linear(TOP) + srgb_to_linear(BOTTOM))
    code = np.floor(255.0 * horizon ** (1 / 2.2) + 0.5)
    sky = sample["camera/cam/depth"][0] == 0
    fogged = sample["corrupted/fog/1/camera/cam/rgb"][0][sky].astype(np.float64)
    np.testing.assert_allclose(fogged, np.broadcast_to(code, fogged.shape), atol=1)


# --- a closed room: no rain, no snow; fog lit by the room's light ------------------------------

ROOM = {
    "name": "closet",
    "world": {"ground": False, "room": {"size": [4.0, 3.0, 2.5]},
              "light": {"direction": [0.2, 0.1, -1.0], "ambient": 0.5, "intensity": 0.6}},
    "objects": [{"template": {"shape": "sphere", "radius": 0.15, "class": "ball"},
                 "position": [0.5, 0.0, 0.6]}],
    "simulation": {"capture_times": [0.1], "duration": 0.1},
    "sensors": [
        {"name": "cam", "preset": "rgbd_d435_640x480", "overrides": {"width": 48, "height": 32},
         "pose": {"position": [-1.5, 0.0, 1.2], "look_at": [2.0, 0.0, 1.0]}},
        {"name": "lid", "preset": "vlp16", "overrides": {"columns": 90},
         "pose": {"position": [0.0, 0.5, 1.0], "euler_deg": [0, 0, 0]}},
        {"name": "mics", "preset": "circular4_r32mm", "overrides": {"sample_rate": 8000},
         "pose": {"position": [0.0, -0.8, 1.0]}}],
}
PRECIPITATION = ["weather_rain", "rain", "lidar_rain", "rain_noise", "snow", "lidar_snow"]


def with_sets(data, sets):
    data = copy.deepcopy(data)
    data["corruptions"] = sets
    return scene_from_dict(data, source="t.yaml")


@pytest.fixture(scope="module")
def room():
    sets = [{"name": "rain", "corruptions": PRECIPITATION, "policy": "all", "severity": 3},
            {"name": "fog", "corruptions": ["depth_fog"], "policy": "all", "severity": 5}]
    return Engine(with_sets(ROOM, sets), seed=4).sample(0)


def test_rain_and_snow_do_not_fall_in_a_closed_room(room):
    for slot, name in enumerate(PRECIPITATION):
        base = f"corrupted/rain/{slot}"
        applied, severity = room[f"{base}/applied"], room[f"{base}/severity"]
        assert not applied.any() and not severity.any(), name
        label = decode_json(room[f"{base}/params_json"])[name]
        assert "closed room" in label["not_applied"] and label["severity_drawn"] == 3
        for key in ("camera/cam/rgb", "lidar/lid/range", "lidar/lid/intensity",
                    "audio/mics/waveform"):
            assert room[f"{base}/{key}"].tobytes() == room[key].tobytes(), (name, key)
        for key in ("camera/cam/rgb_mask", "lidar/lid/range_mask", "audio/mics/waveform_mask"):
            assert not room[f"{base}/{key}"].any()


def test_fog_in_a_room_is_lit_by_the_rooms_light(room):
    """A white isotropic scatterer under ambient radiance a and a directional light that
    makes a white surface facing it shine with i: radiance a + i/4 (the sphere's mean of
    the phase function 1/4π times the light's irradiance π·i, plus a)."""
    airlight = 0.5 + 0.6 / 4
    clean = room["camera/cam/rgb"][0].astype(np.float64)
    fogged = room["corrupted/fog/0/camera/cam/rgb"][0].astype(np.float64)
    depth = room["camera/cam/depth"][0]
    assert (depth > 0).all()  # a closed room: every ray meets a surface
    t = np.exp(-math.log(20.0) / 20.0 * ray_range(depth, room["camera/cam/K"]))
    expected = linear_to_code(srgb_to_linear(clean / 255.0) * t[..., None]
                              + airlight * (1 - t[..., None]))
    assert np.abs(fogged - expected).max() <= 1
    assert room["corrupted/fog/0/applied"].all()


def test_outdoors_rain_and_snow_still_fall():
    import yaml

    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    sets = [{"name": "rain", "corruptions": PRECIPITATION, "policy": "all", "severity": 3}]
    sample = Engine(with_sets(data, sets), seed=1).sample(0)
    changed = {"weather_rain": "audio/mics/waveform", "rain": "camera/cam/rgb",
               "lidar_rain": "lidar/lid/range", "rain_noise": "audio/mics/waveform",
               "snow": "camera/cam/rgb", "lidar_snow": "lidar/lid/range"}
    for slot, name in enumerate(PRECIPITATION):
        base = f"corrupted/rain/{slot}"
        assert sample[f"{base}/applied"].tolist() == [i == slot for i in range(6)]
        assert sample[f"{base}/severity"][slot] == 3
        assert "not_applied" not in decode_json(sample[f"{base}/params_json"])[name]
        key = changed[name]
        assert sample[f"{base}/{key}"].tobytes() != sample[key].tobytes(), name


def test_precipitation_is_marked_in_the_registry():
    assert {n for n in PRECIPITATION if get(n).precipitation} == set(PRECIPITATION)
    assert not any(get(n).precipitation for n in ("depth_fog", "weather_fog", "lidar_fog",
                                                  "fog", "wet_ground", "frost", "spatter"))
