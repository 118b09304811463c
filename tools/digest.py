"""One SHA-256 per array over samples 0..3 of every shipped scene, clean and corrupted.

    python tools/digest.py [--samples N] [--scenes scenes/a.yaml ...] [--workers W]

Each scene is rendered with ``simengine render`` (seed 0) and given the corruption sets of
``tools/digest_corruptions.yaml`` with ``simengine corrupt``: every registered corruption,
per modality, plus one compound stack and one k-of-n pick (``velocity_motion_blur``, from
``digest_corruptions_flow.yaml``, where the cameras output flow). Then every array of the
corrupted store (which holds the clean arrays too) is hashed over its first N samples:
dtype, shape and bytes.

A refactor that must leave outputs unchanged prints the same lines before and after it:
``diff <(python tools/digest.py) tools/digest_expected.txt`` prints nothing. Lines are
``scene  array  sha256``, sorted. ``digest_expected.txt`` is this engine version's output;
a change that means to alter samples regenerates it and says why in its commit.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
import zarr

ROOT = Path(__file__).resolve().parents[1]
CORRUPTIONS = ROOT / "tools" / "digest_corruptions.yaml"
FLOW_CORRUPTIONS = ROOT / "tools" / "digest_corruptions_flow.yaml"


def array_digest(array: zarr.Array, n: int) -> str:
    data = array[:n]
    h = hashlib.sha256()
    h.update(f"{data.dtype.str}{data.shape}".encode())
    h.update(data.tobytes())
    return h.hexdigest()


def arrays(group: zarr.Group, prefix: str = ""):
    for name, member in sorted(group.members()):
        path = f"{prefix}{name}"
        if isinstance(member, zarr.Group):
            yield from arrays(member, path + "/")
        else:
            yield path, member


def simengine(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "simengine", *args], check=True,
                   stdout=subprocess.DEVNULL)


def scene_digests(scene: Path, n: int, workers: int, tmp: Path) -> list[str]:
    clean, corrupted = tmp / f"{scene.stem}.zarr", tmp / f"{scene.stem}_corrupted.zarr"
    simengine("render", str(scene), "-n", str(n), "-o", str(clean), "--seed", "0",
              "--workers", str(workers), "--no-progress")
    sets = yaml.safe_load(CORRUPTIONS.read_text())
    names = {p for p, _ in arrays(zarr.open_group(str(clean), mode="r"))}
    cameras = [p for p in names if p.startswith("camera/") and p.endswith("/rgb")]
    if cameras and all(p[:-len("rgb")] + "flow" in names for p in cameras):
        sets += yaml.safe_load(FLOW_CORRUPTIONS.read_text())
    sets_file = tmp / f"{scene.stem}_sets.yaml"
    sets_file.write_text(yaml.safe_dump(sets))
    simengine("corrupt", str(clean), "-c", str(sets_file), "-o", str(corrupted))
    root = zarr.open_group(str(corrupted), mode="r")
    return [f"{scene.stem}  {path}  {array_digest(a, n)}" for path, a in arrays(root)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--scenes", nargs="*", type=Path,
                        default=sorted((ROOT / "scenes").glob("*.yaml")))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="simengine-digest-") as tmp:
        for scene in args.scenes:
            for line in scene_digests(scene, args.samples, args.workers, Path(tmp)):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
