"""Shipped scenes and presets load; specs round-trip through ``to_dict``; the distributions
sample inside their support, deterministically, and round-trip through their YAML form."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simengine.instance import sample_instance
from simengine.instance.draw import draw
from simengine.seeding import STREAM_SCENE, rng_for
from simengine.spec.distributions import (
    Choice,
    Const,
    LogUniform,
    Normal,
    RandInt,
    Uniform,
    parse_choice_of,
    parse_number,
)
from simengine.spec.loader import load_scene, scene_from_dict
from simengine.spec.node import Node
from simengine.spec.presets import PROJECT_SENSORS, load_preset
from simengine.spec.scene import SENSOR_KINDS

REPO = Path(__file__).resolve().parents[2]
SCENES = sorted((REPO / "scenes").glob("*.yaml"))
PRESETS = sorted(PROJECT_SENSORS.glob("*.yaml"))


# --- shipped scenes and presets ---------------------------------------------------------

def test_there_are_shipped_scenes_and_presets() -> None:
    assert SCENES
    assert PRESETS


@pytest.mark.parametrize("path", SCENES, ids=[p.stem for p in SCENES])
def test_shipped_scene_loads(path: Path) -> None:
    spec = load_scene(path)
    assert spec.name
    assert spec.source == str(path)
    assert spec.groups and spec.sensors
    assert 0 < spec.max_objects <= 512
    assert len(set(spec.classes)) == len(spec.classes)


@pytest.mark.parametrize("path", SCENES, ids=[p.stem for p in SCENES])
def test_shipped_scene_round_trips_through_to_dict(path: Path) -> None:
    spec = load_scene(path)
    again = scene_from_dict(spec.to_dict(), spec.source)
    assert again == spec
    assert again.hash() == spec.hash()
    assert again.to_dict() == spec.to_dict()


@pytest.mark.parametrize("path", SCENES, ids=[p.stem for p in SCENES])
def test_shipped_scene_samples_with_seed_0(path: Path) -> None:
    spec = load_scene(path)
    first = sample_instance(spec, root_seed=0, index=0)
    assert first == sample_instance(spec, root_seed=0, index=0)
    assert first.root_seed == 0


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_shipped_preset_loads(path: Path) -> None:
    kind, params = load_preset(Node(path.stem, "scene.yaml", "sensors[0].preset"), REPO)
    assert kind in SENSOR_KINDS
    assert "kind" not in params


def test_exponent_floats_without_a_dot_are_numbers(tmp_path: Path) -> None:
    scene = tmp_path / "scene.yaml"
    scene.write_text("name: m\nobjects:\n  - template: {shape: sphere, radius: 5e-2, mass: 1E-3}\n"
                     "sensors:\n  - name: cam\n    preset: rgbd_d435_640x480\n"
                     "    pose: {position: [1, 0, 1], look_at: [0, 0, 0]}\n", encoding="utf-8")
    template = load_scene(scene).groups[0].template
    assert template.radius == Const(0.05)
    assert template.mass == Const(0.001)


# --- distributions: strategies ------------------------------------------------------------

LIMIT = 1e6  # scene values are metres, kilograms, seconds...: no field needs more
finite = st.floats(-LIMIT, LIMIT, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-6, LIMIT, allow_nan=False, allow_infinity=False)
seeds = st.integers(0, 2**63 - 1)


def ordered(elements: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(elements, elements).map(sorted)


uniforms = ordered(finite).map(lambda p: Uniform(*p))
loguniforms = ordered(positive).map(lambda p: LogUniform(*p))
randints = ordered(st.integers(-10**6, 10**6)).map(lambda p: RandInt(*p))


@st.composite
def normals(draw: st.DrawFn) -> Normal:
    mean = draw(finite)
    std = draw(st.floats(0, 1e3, allow_nan=False))
    low = draw(st.none() | finite)
    high = draw(st.none() | finite)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return Normal(mean, std, low, high)


@st.composite
def choices(draw: st.DrawFn) -> Choice:
    values = draw(st.lists(st.integers(-1000, 1000) | finite, min_size=1, max_size=8))
    if not draw(st.booleans()):
        return Choice(tuple(values))
    weights = draw(st.lists(st.floats(0, 100, allow_nan=False), min_size=len(values),
                            max_size=len(values)).filter(lambda w: sum(w) > 0))
    return Choice(tuple(values), tuple(weights))


distributions = (st.builds(Const, finite) | uniforms | loguniforms | normals() | randints
                 | choices())


def search(max_examples: int = 100) -> settings:
    return settings(max_examples=max_examples, database=None)  # write nothing into the tree


def draw_many(dist, seed: int, n: int = 32) -> list:
    rng = np.random.default_rng(seed)
    return [draw(dist, rng) for _ in range(n)]


# --- distributions: properties -------------------------------------------------------------

@search(300)
@given(distributions, seeds)
def test_samples_lie_inside_the_support(dist, seed: int) -> None:
    lo, hi = dist.support()
    for value in draw_many(dist, seed):
        assert math.isfinite(value)
        assert lo <= value <= hi
        if isinstance(dist, RandInt):
            assert isinstance(value, int)
        if isinstance(dist, Choice):
            assert value in dist.values


@search(200)
@given(distributions, seeds)
def test_same_seed_gives_the_same_values(dist, seed: int) -> None:
    assert draw_many(dist, seed) == draw_many(dist, seed)


@search(300)
@given(distributions)
def test_to_dict_parses_back_to_an_equal_object(dist) -> None:
    parsed = parse_number(Node(dist.to_dict(), "f.yaml", "x"))
    assert parsed == dist
    assert type(parsed) is type(dist)


@search()
@given(st.lists(st.sampled_from(["wood", "metal", "glass"]), min_size=1, max_size=5))
def test_string_choice_round_trips(values: list[str]) -> None:
    dist = Choice(tuple(values))
    assert parse_choice_of(Node(dist.to_dict(), "f.yaml", "x")) == dist


@search()
@given(distributions)
def test_seed_0_works(dist) -> None:
    a = [draw(dist, rng_for(0, 0, STREAM_SCENE)) for _ in range(2)]
    assert a[0] == a[1]
    lo, hi = dist.support()
    assert lo <= a[0] <= hi
    assert draw_many(dist, 0) == draw_many(dist, 0)


@search()
@given(ordered(st.integers(-50, 50)).filter(lambda p: p[1] - p[0] <= 5), seeds)
def test_randint_bounds_are_inclusive_and_reachable(pair: list[int], seed: int) -> None:
    low, high = pair
    seen = set(draw_many(RandInt(low, high), seed, n=400))
    assert seen == set(range(low, high + 1))


def test_randint_through_the_parser_reaches_both_bounds() -> None:
    dist = parse_number(Node({"randint": [1, 3]}, "f.yaml", "count"), integer=True)
    rng = rng_for(0, 0, STREAM_SCENE)
    assert {draw(dist, rng) for _ in range(200)} == {1, 2, 3}


def test_clipped_normal_stays_within_min_and_max() -> None:
    dist = Normal(0.0, 10.0, -0.5, 0.5)
    values = draw_many(dist, 0, n=200)
    assert min(values) == -0.5 and max(values) == 0.5
