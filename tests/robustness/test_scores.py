"""The benchmark score functions against hand-computed values on small tables, and against
the benchmarks' own published tables (typed in here from their repositories), and the
shipped baselines against the numbers their sources print."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.robustness import baselines, scores


def test_imagenet_c_hand_table():
    # A: errors .2 .3 .4 .5 .6 (sum 2.0); AlexNet-like baseline .4 .5 .6 .7 .8 (sum 3.0)
    #    CE = 2.0 / 3.0; relative CE = (2.0 - 5 * .1) / (3.0 - 5 * .3) = 1.5 / 1.5 = 1
    # B: errors all .5 (sum 2.5), baseline all .5 (2.5): CE = 1;
    #    relative CE = (2.5 - .5) / (2.5 - 1.5) = 2
    # mCE = (2/3 + 1) / 2 = 5/6; relative mCE = 1.5; unnormalised: (.4 + .5) / 2 = .45
    # C is an "extra" corruption: reported, not averaged.
    errors = {"A": [.2, .3, .4, .5, .6], "B": [.5] * 5, "C": [.9] * 5}
    base = {"A": [.4, .5, .6, .7, .8], "B": [.5] * 5, "C": [.1] * 5}
    out = scores.imagenet_c(errors, .1, base, .3, ["A", "B"])
    assert out["CE"]["A"] == pytest.approx(2 / 3)
    assert out["CE"]["B"] == pytest.approx(1.0)
    assert out["CE"]["C"] == pytest.approx(9.0)
    assert out["relative_CE"]["A"] == pytest.approx(1.0)
    assert out["relative_CE"]["B"] == pytest.approx(2.0)
    assert out["mCE"] == pytest.approx(5 / 6)
    assert out["relative_mCE"] == pytest.approx(1.5)
    assert out["mCE_unnormalized"] == pytest.approx(.45)


def test_imagenet_c_without_clean_baseline_has_no_relative_scores():
    out = scores.imagenet_c({"A": [.5] * 5}, .1, {"A": [.25] * 5}, None, ["A"])
    assert out["mCE"] == pytest.approx(2.0) and "relative_mCE" not in out


def test_robo3d_hand_table():
    # clean .8; X: .6 .5 .4 -> RR = 1.5 / (3 * .8) = .625; baseline X .7 .6 .5:
    #   CE = (.4 + .5 + .6) / (.3 + .4 + .5) = 1.5 / 1.2 = 1.25
    # Y: .8 .8 .8 -> RR = 1; baseline given as one average .6 (Robo3D's form): CE = .6 / 1.2
    #   = (3 * .2) / (3 * .4) = .5
    out = scores.robo3d({"X": [.6, .5, .4], "Y": [.8] * 3}, .8,
                        {"X": [.7, .6, .5], "Y": [.6]}, ["X", "Y"])
    assert out["RR"] == pytest.approx({"X": .625, "Y": 1.0})
    assert out["CE"] == pytest.approx({"X": 1.25, "Y": .5})
    assert out["mRR"] == pytest.approx(.8125)
    assert out["mCE"] == pytest.approx(.875)


# ldkong1205/Robo3D docs/results/MinkUNet-18_cr1.0.md (the baseline) and CENet.md:
# SemanticKITTI-C mIoU (%) light, moderate, heavy; published CE_i and RR_i (%).
ROBO3D_NAMES = ["fog", "wet_ground", "snow", "motion_blur", "beam_missing", "crosstalk",
                "incomplete_echo", "cross_sensor"]
MINKUNET = [(61.71, 58.32, 47.59), (58.38, 52.38, 51.21), (55.50, 53.70, 50.65),
            (42.78, 31.62, 24.35), (60.70, 56.78, 51.47), (59.87, 58.47, 56.68),
            (57.89, 54.68, 50.72), (57.53, 52.08, 28.53)]
MINKUNET_RR = [89.02, 86.03, 84.89, 52.45, 89.74, 92.96, 86.73, 73.37]
CENET = [(45.80, 44.84, 37.47), (60.67, 56.35, 54.99), (55.53, 53.85, 51.55),
         (56.92, 52.87, 48.35), (61.40, 56.67, 49.28), (48.81, 45.43, 41.87),
         (57.77, 54.25, 48.19), (58.16, 51.34, 28.01)]
CENET_CE = [129.84, 92.72, 99.23, 70.50, 101.24, 131.13, 102.26, 100.39]
CENET_RR = [68.27, 91.67, 85.76, 84.27, 89.18, 72.53, 85.37, 73.29]


def _pct(rows):
    return {n: [v / 100 for v in r] for n, r in zip(ROBO3D_NAMES, rows, strict=True)}


def test_robo3d_reproduces_published_tables():
    base = _pct(MINKUNET)
    own = scores.robo3d(base, .6276, base, ROBO3D_NAMES)
    # Robo3D divides its rounded level averages (snow: 53.28 / 62.76 = 84.89 %; the levels
    # give 53.283 / 62.76 = 84.90 %): rounding of the inputs, up to 0.02 %
    assert [100 * own["RR"][n] for n in ROBO3D_NAMES] == pytest.approx(MINKUNET_RR, abs=.02)
    assert 100 * own["mRR"] == pytest.approx(81.90, abs=.01)
    assert own["mCE"] == pytest.approx(1.0)
    cenet = scores.robo3d(_pct(CENET), .6255, base, ROBO3D_NAMES)
    assert [100 * cenet["CE"][n] for n in ROBO3D_NAMES] == pytest.approx(CENET_CE, abs=.03)
    assert [100 * cenet["RR"][n] for n in ROBO3D_NAMES] == pytest.approx(CENET_RR, abs=.02)
    assert 100 * cenet["mCE"] == pytest.approx(103.41, abs=.02)
    assert 100 * cenet["mRR"] == pytest.approx(81.29, abs=.01)


def test_shipped_robo3d_baseline_is_the_published_average():
    b = baselines.BASELINES["minkunet18_semantickitti_c"]
    assert b.clean == pytest.approx(.6276)
    for n, row in zip(ROBO3D_NAMES, MINKUNET, strict=True):
        assert b.corruptions[n][0] == pytest.approx(round(sum(row) / 3, 2) / 100, abs=1e-4)


# ika-rwth-aachen/MultiCorrupt evaluation/evaluations_nds.csv (NDS), columns in the order
# below, severities 1..3; published RA (ra_results.csv) and RRA (rra_nds_results.csv, %).
MC_NAMES = ["beamsreducing", "brightness", "dark", "fog", "missingcamera", "motionblur",
            "pointsreducing", "snow", "spatialmisalignment", "temporalmisalignment"]
CMT = {"clean": 0.729, "beamsreducing": (0.6826, 0.5873, 0.4497),
       "brightness": (0.7038, 0.6852, 0.6605), "dark": (0.7051, 0.6904, 0.6786),
       "fog": (0.6974, 0.6527, 0.4134), "missingcamera": (0.718, 0.7109, 0.7009),
       "motionblur": (0.6886, 0.6154, 0.5357), "pointsreducing": (0.7012, 0.6834, 0.638),
       "snow": (0.6483, 0.619, 0.5554), "spatialmisalignment": (0.6462, 0.586, 0.5367),
       "temporalmisalignment": (0.6572, 0.568, 0.4988)}
CMT_RRA = {"beamsreducing": 18.64219677107768, "brightness": -1.1383917804254517,
           "dark": -0.09633447329125966}
CMT_MRA = 0.8648559670781892
CMT_MRRA = 7.161  # README, 3 decimals


def test_multicorrupt_reproduces_published_tables():
    table = {n: list(CMT[n]) for n in MC_NAMES}
    base = baselines.BASELINES["bevfusion_multicorrupt"]
    out = scores.multicorrupt(table, CMT["clean"], base.corruptions, MC_NAMES)
    assert out["mRA"] == pytest.approx(CMT_MRA, abs=1e-12)
    for n, v in CMT_RRA.items():
        assert 100 * out["RRA"][n] == pytest.approx(v, abs=1e-9)
    assert 100 * out["mRRA"] == pytest.approx(CMT_MRRA, abs=5e-4)
    # RA_c,s = M / M_clean: CMT beams reducing at severity 1, ra_results.csv
    assert out["RA_per_severity"]["beamsreducing"][0] == pytest.approx(0.9363511659807956)


def test_multicorrupt_hand_table():
    # clean .5: X .5 .4 .3 -> RA = (1 + .8 + .6) / 3 = .8; baseline .25 .2 .15 (sum .6):
    # RRA = 1.2 / .6 - 1 = 1
    out = scores.multicorrupt({"X": [.5, .4, .3]}, .5, {"X": [.25, .2, .15]}, ["X"])
    assert out["RA"]["X"] == pytest.approx(.8) and out["RRA"]["X"] == pytest.approx(1.0)


def test_kitti_c_hand_table():
    # clean AP .8; X: .7 .6 .5 .4 .3 -> CE_s = .1 .. .5, CE = .3, RCE = .3 / .8 = .375
    # Y unchanged: 0, 0. mCE = .15, mRCE = .1875
    out = scores.kitti_c({"X": [.7, .6, .5, .4, .3], "Y": [.8] * 5}, .8, ["X", "Y"])
    assert out["CE"] == pytest.approx({"X": .3, "Y": 0.0})
    assert out["RCE"] == pytest.approx({"X": .375, "Y": 0.0})
    assert out["mCE"] == pytest.approx(.15) and out["mRCE"] == pytest.approx(.1875)


# hendrycks/robustness README at commit 76d9393 (2019-10-10), "AlexNet ImageNet-C Error":
# the "Average" column, and two full rows.
ALEXNET_AVERAGE = {
    "gaussian_noise": 0.886428, "shot_noise": 0.894468, "impulse_noise": 0.922640,
    "defocus_blur": 0.819880, "glass_blur": 0.826268, "motion_blur": 0.785948,
    "zoom_blur": 0.798360, "snow": 0.866816, "frost": 0.826572, "fog": 0.819324,
    "brightness": 0.564592, "contrast": 0.853204, "elastic_transform": 0.646056,
    "pixelate": 0.717840, "jpeg_compression": 0.606500, "speckle_noise": 0.845388,
    "gaussian_blur": 0.787108, "spatter": 0.717512, "saturate": 0.658248}


def test_shipped_alexnet_errors_match_the_source():
    shipped = baselines.ALEXNET_ERRORS
    assert set(shipped) == set(ALEXNET_AVERAGE)
    for name, average in ALEXNET_AVERAGE.items():
        assert len(shipped[name]) == 5
        assert np.mean(shipped[name]) == pytest.approx(average, abs=1e-6), name
    assert shipped["snow"] == (0.71726, 0.88392, 0.86468, 0.91870, 0.94952)
    assert shipped["saturate"] == (0.59342, 0.65514, 0.51174, 0.70834, 0.82260)
    assert baselines.ALEXNET_CLEAN_ERROR == 0.435  # the paper's AlexNet error: 43.5 %


def test_alexnet_against_itself_is_100_percent():
    errors = {k: list(v) for k, v in baselines.ALEXNET_ERRORS.items()}
    out = scores.imagenet_c(errors, .435, errors, .435, list(ALEXNET_AVERAGE)[:15])
    assert out["mCE"] == pytest.approx(1.0) and out["relative_mCE"] == pytest.approx(1.0)
    assert out["mCE_unnormalized"] == pytest.approx(
        np.mean(list(ALEXNET_AVERAGE.values())[:15]), abs=1e-6)


def test_per_severity_means():
    assert scores.per_severity({"a": [1, 2], "b": [3, 4]}, ["a", "b"]) == [2.0, 3.0]
