"""The dataset card (README.md) of a Hugging Face export, written from the store's root
attributes: YAML metadata (licence, size category, tags) the Hub reads, then the scene,
seed, sensors, corruption sets, columns and how the data was made."""

from __future__ import annotations

from typing import Any

import yaml


def size_category(n: int) -> str:
    """The Hub's ``size_categories`` bucket for ``n`` rows."""
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "n>1M"


def dataset_card(attrs: dict[str, Any], prov: dict[str, Any], samples: int,
                 columns: list[str], license: str | None) -> str:
    scene = attrs.get("scene") or {}
    header = {"license": license or "unknown", "size_categories": [size_category(samples)],
              "tags": ["synthetic", "simengine", "robotics", "multimodal"],
              "pretty_name": f"simengine {attrs['scene_name']}"}
    lines = ["---", yaml.safe_dump(header, sort_keys=False).rstrip(), "---", "",
             f"# simengine scene `{attrs['scene_name']}`", ""]
    if scene.get("description"):
        lines += [str(scene["description"]), ""]
    lines += [
        "## How it was made", "",
        f"Rendered by simengine {attrs['engine_version']} (PyBullet physics, simulated "
        "camera, lidar and microphone arrays) from the scene spec stored in the Zarr store's "
        "root attributes, and exported by "
        f"{prov['exported_by']} (`simengine export --format hf`).", "",
        f"- scene hash: `{attrs['scene_hash']}`",
        f"- root seed: `{attrs['root_seed']}` (same scene + seed: byte-identical samples)",
        f"- samples: {samples} (of {attrs['num_samples']} in the store; only finished ones)",
        f"- source store: `{prov['store']}`", "",
        "## Sensors", ""]
    for s in attrs["sensors"]:
        device = s.get("params", {}).get("device")
        lines.append(f"- `{s['name']}`: {s['kind']}, preset `{s.get('preset')}`"
                     + (f" ({device})" if device else ""))
    lines += ["", "## Corruptions", ""]
    sets = scene.get("corruptions") or []
    if not sets:
        lines.append("None: clean data only.")
    for c in sets:
        lines.append(f"- set `{c['name']}` (policy {c.get('policy', '?')}): "
                     f"{', '.join(c['corruptions'])}; columns `corrupted/{c['name']}/<slot>/...`")
    lines += ["", "## Classes", "", ", ".join(f"{i}: {n}" for i, n in
                                             enumerate(attrs["classes"])), "",
              "## Units and frames", ""]
    lines += [f"- {k}: {v}" for k, v in (attrs.get("units") or {}).items()]
    lines += ["", "## Columns", "",
              "One row per sample; `sample` is the store index. Colour images are lists of "
              "`Image` (one per capture), JSON records are strings, other arrays keep the "
              "store's shape and dtype.", ""]
    lines += [f"- `{c}`" for c in columns]
    lines += ["", "## Licence", "",
              (f"`{license}`." if license else
               "The store records no licence for its data; set one (`--license`) before "
               "publishing. simengine itself is Apache-2.0."), ""]
    return "\n".join(lines)
