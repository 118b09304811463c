"""Show the robustness workflow end to end (CPU, PyTorch): train a small semantic
segmentation network on the `street` scene's camera at a reduced size, once on clean images
and once with corruption augmentation from a training suite, and score both on held-out
corruptions with `simengine score`.

- training store: `street` with the camera at WIDTH x HEIGHT, one capture, and one set
  `aug` = ImageNet-C's 4 extra corruptions (speckle_noise, gaussian_blur, spatter,
  saturate: the paper's validation corruptions, disjoint from its 15 test ones), each at a
  random severity (`policy: all`);
- evaluation store: other samples (another seed) with `ic` = the 15 ImageNet-C corruptions
  at every severity (`policy: grid`), none of them seen in training;
- models: the same tiny encoder-decoder, same seed and steps; "clean" sees only clean
  images, "augmented" sees a clean or an `aug` variant with probability 1/2 each;
- scores: mIoU per cell from the predictions (`simengine score`, mask task), ImageNet-C
  mCE against AlexNet (units of the benchmark, not comparable to its leaderboard), and the
  augmented model's mCE against the clean model's scores (below 1: more robust).

    python tools/robustness_demo.py --out /tmp/robustness_demo

Prints the table; numbers are what they are.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 96, 72
EXTRAS = ["speckle_noise", "gaussian_blur", "spatter", "saturate"]


def make_scene(out: Path, sets: list[dict]) -> Path:
    scene = yaml.safe_load((ROOT / "scenes" / "street.yaml").read_text(encoding="utf-8"))
    for sensor in scene["sensors"]:  # the camera small; lidar and microphones cheap
        over = sensor.setdefault("overrides", {})
        if sensor["name"] == "front":
            over.update(width=WIDTH, height=HEIGHT)
        elif sensor["preset"] == "vlp16":
            over.update(columns=90)
        else:
            over.update(sample_rate=8000)
    scene["simulation"]["capture_times"] = scene["simulation"]["capture_times"][:1]
    scene["corruptions"] = sets
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(scene), encoding="utf-8")
    return out


def render(scene: Path, n: int, store: Path, seed: int) -> float:
    from simengine.cli import main

    t = time.perf_counter()
    if main(["render", str(scene), "-n", str(n), "-o", str(store), "--seed", str(seed),
             "--no-progress", "--overwrite"]) != 0:
        raise SystemExit(f"render of {store} failed")
    return time.perf_counter() - t


def load(store: Path, keys: list[str]) -> dict[str, np.ndarray]:
    from simengine.store.reader import StoreReader

    reader = StoreReader(store, keys=keys)
    return reader.read(reader.done_indices())


class Net:
    """A small encoder-decoder (3 downsampling stages, skip connections), built lazily so
    the module imports without torch."""

    @staticmethod
    def build(classes: int):
        import torch
        from torch import nn

        def block(a, b):
            return nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(),
                                 nn.Conv2d(b, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU())

        class UNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.e1, self.e2, self.e3 = block(3, 16), block(16, 32), block(32, 64)
                self.d2, self.d1 = block(64 + 32, 32), block(32 + 16, 16)
                self.head = nn.Conv2d(16, classes, 1)
                self.pool = nn.MaxPool2d(2)

            def forward(self, x):
                a = self.e1(x)
                b = self.e2(self.pool(a))
                c = self.e3(self.pool(b))
                up = nn.functional.interpolate
                d = self.d2(torch.cat([up(c, size=b.shape[-2:]), b], 1))
                return self.head(self.d1(torch.cat([up(d, size=a.shape[-2:]), a], 1)))

        return UNet()


def to_tensor(rgb: np.ndarray):
    import torch

    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(0, 3, 1, 2))).float() / 255.0


def train(images: list[np.ndarray], labels: np.ndarray, classes: int, steps: int, seed: int):
    """``images``: the versions of each training image to draw from (index 0 clean);
    each step draws per image one version uniformly."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = Net.build(classes)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    y_all = torch.from_numpy(labels.astype(np.int64))
    n = labels.shape[0]
    net.train()
    for _ in range(steps):
        idx = rng.choice(n, size=min(8, n), replace=False)
        pick = rng.integers(0, len(images), size=idx.size)
        x = to_tensor(np.stack([images[p][i] for p, i in zip(pick, idx, strict=True)]))
        loss = torch.nn.functional.cross_entropy(net(x), y_all[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    return net


def predict(net, rgb: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return net(to_tensor(rgb)).argmax(1).numpy().astype(np.int16)


def write_predictions(net, store: Path, path: Path) -> None:
    from simengine.store.reader import StoreReader

    reader = StoreReader(store, keys=["camera/front/rgb"])
    attrs = reader.attrs
    slots = sorted({k.split("/")[2] for k in attrs["arrays"]
                    if k.startswith("corrupted/ic/") and k.endswith("/camera/front/rgb")},
                   key=int)
    keys = ["camera/front/rgb", *(f"corrupted/ic/{s}/camera/front/rgb" for s in slots)]
    data = load(store, keys)
    samples = StoreReader(store, keys=["meta/time"]).done_indices().tolist()
    arrays = {"task": np.array("mask"), "sensor": np.array("front")}
    for key in keys:
        variant = "clean" if key == keys[0] else f"ic/{key.split('/')[2]}"
        rgb = data[key][:, 0]  # (n, H, W, 3): the one capture
        pred = predict(net, rgb)
        for j, k in enumerate(samples):
            arrays[f"{k}/{variant}"] = pred[j][None]  # (F=1, H, W)
    np.savez(path, **arrays)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/tmp/robustness_demo", help="work directory")
    ap.add_argument("--train", type=int, default=48, help="training samples")
    ap.add_argument("--eval", type=int, default=10, help="evaluation samples")
    ap.add_argument("--steps", type=int, default=400, help="training steps (batch 8)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    train_scene = make_scene(out / "train.yaml", [
        {"name": "aug", "suite": "imagenet_c", "corruptions": EXTRAS, "policy": "all",
         "severity": {"randint": [1, 5]}, "sensors": ["front"]}])
    eval_scene = make_scene(out / "eval.yaml", [
        {"name": "ic", "suite": "imagenet_c", "policy": "grid", "sensors": ["front"],
         "corruptions": [n for n in _imagenet_c_names() if n not in EXTRAS]}])
    t_train = render(train_scene, args.train, out / "train.zarr", seed=1)
    t_eval = render(eval_scene, args.eval, out / "eval.zarr", seed=2)
    keys = ["camera/front/rgb", "camera/front/semantic",
            *(f"corrupted/aug/{s}/camera/front/rgb" for s in range(len(EXTRAS)))]
    d = load(out / "train.zarr", keys)
    classes = _classes(out / "train.zarr")
    clean = d["camera/front/rgb"][:, 0]
    labels = d["camera/front/semantic"][:, 0]
    augmented = [d[f"corrupted/aug/{s}/camera/front/rgb"][:, 0] for s in range(len(EXTRAS))]
    t = time.perf_counter()
    # the same seed and steps; "augmented" draws clean with probability 1/2
    net_clean = train([clean], labels, classes, args.steps, seed=0)
    net_aug = train([clean] * len(EXTRAS) + augmented, labels, classes, args.steps, seed=0)
    t_fit = time.perf_counter() - t
    from simengine.robustness.score import score, write_scores

    docs = {}
    for name, net in (("clean", net_clean), ("augmented", net_aug)):
        pred = out / f"pred_{name}.npz"
        write_predictions(net, out / "eval.zarr", pred)
        docs[name] = score(str(out / "eval.zarr"), str(pred), "imagenet_c")
        write_scores(docs[name], out / f"scores_{name}.json")
    relative = score(str(out / "eval.zarr"), str(out / "pred_augmented.npz"), "imagenet_c",
                     str(out / "scores_clean.json"))
    write_scores(relative, out / "scores_augmented_vs_clean.json")
    total = time.perf_counter() - t0
    _print(docs, relative, args, (t_train, t_eval, t_fit, total))


def _imagenet_c_names() -> list[str]:
    from simengine.corruptions import suites

    return list(suites.get("imagenet_c").names())


def _classes(store: Path) -> int:
    from simengine.store.reader import StoreReader

    return len(StoreReader(store, keys=["meta/time"]).attrs["classes"])


def _print(docs: dict, relative: dict, args, times) -> None:
    names = list(docs["clean"]["table"])
    print(f"street, camera {WIDTH}x{HEIGHT}, {args.train} training / {args.eval} evaluation "
          f"samples, {args.steps} steps; render {times[0]:.0f}+{times[1]:.0f} s, training "
          f"{times[2]:.0f} s, total {times[3]:.0f} s")
    print("| model | clean mIoU | mean corrupted mIoU | mCE vs AlexNet | relative mCE vs "
          "AlexNet | mCE vs the clean model |")
    print("|---|---|---|---|---|---|")
    for name, doc in docs.items():
        mean_c = float(np.mean([np.mean(v) for v in doc["table"].values()]))
        vs = relative["headline"]["mCE"] if name == "augmented" else 1.0
        print(f"| {name} | {doc['clean']:.3f} | {mean_c:.3f} | {doc['headline']['mCE']:.3f} | "
              f"{doc['headline']['relative_mCE']:.3f} | {vs:.3f} |")
    print("\n| corruption | clean model mIoU (sev 1..5) | augmented model mIoU (sev 1..5) |")
    print("|---|---|---|")
    for c in names:
        a = " ".join(f"{v:.2f}" for v in docs["clean"]["table"][c])
        b = " ".join(f"{v:.2f}" for v in docs["augmented"]["table"][c])
        print(f"| {c} | {a} | {b} |")
    print(json.dumps({k: d["headline"] for k, d in docs.items()}))


if __name__ == "__main__":
    main()
