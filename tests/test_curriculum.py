"""Curriculum from the training loop: corruption severities changed between epochs through the
override API are applied, recorded per sample, leave the clean arrays alone, and degrade the
data more as the severity rises (PSNR measured on the output, not taken from the code)."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import yaml

from simengine import Engine
from simengine.errors import SpecError
from simengine.json_buffer import decode_json
from simengine.spec.loader import scene_from_dict
from simengine.spec.overrides import decode_overrides

from .conftest import MINI

SETS = [{"name": "noise", "corruptions": ["gaussian_noise"], "policy": "all", "severity": 1},
        {"name": "audio", "corruptions": ["gaussian_noise_snr"], "policy": "all",
         "severity": 1}]
RGB = "camera/cam/rgb"
NOISY = f"corrupted/noise/0/{RGB}"


def _engine(sets: list | None) -> Engine:
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    if sets is not None:
        data["corruptions"] = copy.deepcopy(sets)
    return Engine(scene_from_dict(data, source=str(MINI)), seed=4)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return _engine(SETS)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


def test_severity_rises_degradation_grows_and_clean_stays(engine):
    samples = {sev: engine.with_severity(sev, "noise").sample(2) for sev in (1, 3, 5)}
    psnr = [_psnr(s[RGB], s[NOISY]) for s in samples.values()]
    assert psnr[0] > psnr[1] > psnr[2], psnr
    for sev, s in samples.items():
        assert s["corrupted/noise/0/severity"].tolist() == [sev]
        assert decode_overrides(s["meta/overrides_json"]) == {
            "corruptions[noise].severity": sev}
        params = decode_json(s["corrupted/noise/0/params_json"])["gaussian_noise"]
        assert all(p["severity"] == sev for p in params["camera/cam"])
        # the audio set was not named, so it stays at the scene's severity
        assert s["corrupted/audio/0/severity"].tolist() == [1]
    base = engine.sample(2)
    for key, value in base.items():
        if not key.startswith("corrupted/") and key != "meta/overrides_json":
            assert samples[5][key].tobytes() == value.tobytes(), key


def test_all_sets_and_distributions(engine):
    s = engine.with_severity({"choice": [4, 5]}).sample(0)
    assert s["corrupted/noise/0/severity"][0] in (4, 5)
    assert s["corrupted/audio/0/severity"][0] in (4, 5)
    assert set(decode_overrides(s["meta/overrides_json"])) == {
        "corruptions[noise].severity", "corruptions[audio].severity"}


@pytest.mark.parametrize("severity, sets, message", [
    (7, None, "corruptions[0].severity: expected a number <= 5, got 7"),
    (0, "noise", "corruptions[0].severity: expected a number >= 1"),
    (3, "fog", "no item named 'fog' (have: noise, audio)"),
    ({"uniform": [1, 5]}, None, "corruptions[0].severity"),
])
def test_bad_severities_name_the_path(engine, severity, sets, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        engine.with_severity(severity, sets)


def test_scene_without_sets_says_so():
    with pytest.raises(SpecError, match="no corruption sets"):
        _engine(None).with_severity(3)


def test_dataloader_curriculum_between_epochs(engine):
    pytest.importorskip("torch", reason="the DataLoader test needs torch (the test extra "
                                        "installs it)")
    from torch.utils.data import DataLoader

    from simengine.adapters.torch import GeneratedDataset, collate

    ds = GeneratedDataset(engine, start=0, stop=4, batch_size=2, keys=["corrupted/noise"])
    seen = []
    for severity in (2, 5):  # one epoch per severity
        ds.set_severity(severity, "noise")
        dl = DataLoader(ds, batch_size=2, num_workers=2, collate_fn=collate,
                        multiprocessing_context="spawn")
        batches = list(dl)
        got = np.concatenate([b["corrupted/noise/0/severity"].numpy() for b in batches])
        seen.append(got.ravel().tolist())
        expected = engine.with_severity(severity, "noise")
        rgb = np.concatenate([b[NOISY].numpy() for b in batches])
        for k in range(4):
            assert rgb[k].tobytes() == expected.sample(k)[NOISY].tobytes()
    assert seen == [[2] * 4, [5] * 4]
