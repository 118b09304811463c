"""Command-line interface. Exit codes: 0 success, 2 bad input (one-line message naming the
file, key path and expectation; no traceback), 1 internal error, 130 interrupted."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

from . import settings
from ._version import __version__
from .errors import UserError
from .store.output_path import check_creatable

PROG = "simengine"


def _integer_at_least(minimum: int, name: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a {name} integer, got {text!r}")
        return value

    return parse


_non_negative = _integer_at_least(0, "non-negative")
_positive = _integer_at_least(1, "positive")


def _port(text: str) -> int:
    value = _non_negative(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0..65535, got {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other bad input
        raise UserError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Simulation-based multimodal data engine.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("render", help="render N samples of a scene into a Zarr store")
    r.add_argument("scene", help="scene YAML file")
    r.add_argument("-n", "--num-samples", type=_positive, required=True)
    r.add_argument("-o", "--output", required=True, help="store path (a directory)")
    r.add_argument("--seed", type=_non_negative, default=0, help="root seed (default 0)")
    r.add_argument("--workers", type=_positive, default=1, help="local worker processes")
    r.add_argument("--block-size", type=_positive, default=None,
                   help="samples per block/shard (default 4)")
    r.add_argument("--resume", action="store_true", help="finish an interrupted render")
    r.add_argument("--overwrite", action="store_true",
                   help="replace a store made from another scene, seed or size")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    d = r.add_mutually_exclusive_group()
    d.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="render on an existing Dask cluster (tcp://host:8786); needs "
                        "simengine[dask]")
    d.add_argument("--dask-local", metavar="N", type=_positive, default=None,
                   help="render on a Dask LocalCluster of N worker processes")

    i = sub.add_parser("info", help="describe a store")
    i.add_argument("store")
    i.add_argument("--json", action="store_true", help="machine-readable output")

    v = sub.add_parser("validate", help="check a scene file")
    v.add_argument("scene")

    vf = sub.add_parser("verify", help="check every done sample's shards against what its "
                                       "block wrote (exit 1 and a list if any is damaged)")
    vf.add_argument("store")
    vf.add_argument("--json", action="store_true", help="machine-readable output")

    c = sub.add_parser("corrupt", help="add corrupted variants to a rendered store, into a "
                                       "new store, without re-simulating")
    c.add_argument("store", help="the rendered (clean) store; only read")
    c.add_argument("-c", "--corruptions", required=True,
                   help="YAML file: a list of corruption sets, as a scene's corruptions:")
    c.add_argument("-o", "--output", required=True, help="the new store (a directory)")
    c.add_argument("--resume", action="store_true", help="finish an interrupted run")
    c.add_argument("--overwrite", action="store_true", help="replace an existing target")

    w = sub.add_parser("view", help="browse a store in a local, read-only web viewer")
    w.add_argument("store", help="the store to browse (only read)")
    w.add_argument("--port", type=_port, default=8765,
                   help="port on 127.0.0.1 (default 8765; 0 picks a free one)")
    w.add_argument("--rerun", action="store_true",
                   help="instead: write a Rerun recording (and open the Rerun viewer when one "
                        "can be shown and -o is not given); needs simengine[rerun]")
    w.add_argument("-o", "--output", default=None,
                   help="--rerun: the .rrd file (default: <store name>.rrd here)")
    w.add_argument("--overwrite", action="store_true", help="--rerun: replace the .rrd file")

    rp = sub.add_parser("report", help="write a self-contained HTML report of a store")
    rp.add_argument("store")
    rp.add_argument("-o", "--output", required=True, help="the HTML file to write")
    rp.add_argument("--calibration-samples", type=_positive, default=32,
                    help="samples read for the severity curves (default 32, spread evenly)")
    rp.add_argument("--sheet-samples", type=_positive, default=24,
                    help="samples per contact sheet (default 24)")
    rp.add_argument("--scores", default=None,
                    help="a scores JSON of `simengine score`: adds a robustness section")

    cs = sub.add_parser("contact-sheet", help="a PNG grid of one camera's images")
    cs.add_argument("store")
    cs.add_argument("-o", "--output", required=True, help="the image to write (.png or .jpg)")
    cs.add_argument("--camera", default=None, help="camera name (default: the first)")
    cs.add_argument("--frame", type=_non_negative, default=0, help="capture frame (default 0)")
    cs.add_argument("--variant", metavar="SET/SLOT", default=None,
                    help="show a corrupted variant, e.g. fog/0, instead of the clean images")
    cs.add_argument("--samples", type=_positive, default=24,
                    help="tiles, spread evenly over the done samples (default 24)")
    cs.add_argument("--columns", type=_positive, default=6, help="tiles per row (default 6)")
    cs.add_argument("--tile-width", type=_positive, default=160,
                    help="largest tile width in pixels; images are never enlarged")
    cs.add_argument("--boxes", action="store_true", help="outline the visible 2D boxes")

    ag = sub.add_parser("assets", help="list the procedural asset generators, or write a "
                                       "contact sheet of examples")
    ag.add_argument("-o", "--output", default=None,
                    help="write a PNG contact sheet here (default: print the list)")
    ag.add_argument("--generators", default=None,
                    help="comma-separated names (default: all)")
    ag.add_argument("--examples", type=_positive, default=3,
                    help="instances per generator (default 3)")
    ag.add_argument("--seed", type=_non_negative, default=0, help="parameter draws' seed")
    ag.add_argument("--tile-width", type=_positive, default=200, help="tile width in pixels")

    ex = sub.add_parser("export", help="export a store as COCO (2D boxes, instance masks) or "
                                       "KITTI (camera + lidar, 3D boxes)")
    ex.add_argument("store")
    ex.add_argument("--format", required=True,
                    choices=("coco", "kitti", "rerun", "hf", "webdataset"))
    ex.add_argument("-o", "--output", required=True,
                    help="the export directory (rerun: the .rrd file)")
    ex.add_argument("--camera", action="append", default=None,
                    help="camera name (COCO: repeat for several, default all; KITTI: one, "
                         "default the first)")
    ex.add_argument("--lidar", default=None, help="KITTI: lidar name (default: the first)")
    ex.add_argument("--overwrite", action="store_true",
                    help="replace an earlier export in the directory")
    ex.add_argument("--license", default=None,
                    help="hf: the data's licence for the dataset card (default: unknown)")
    ex.add_argument("--samples-per-shard", type=_positive, default=64,
                    help="webdataset: samples per tar shard (default 64)")
    _add_score_parser(sub)
    su = sub.add_parser("suites", help="list the benchmark corruption suites a scene's "
                                       "corruption set may name (suite: NAME)")
    su.add_argument("name", nargs="?", default=None,
                    help="a suite: list its corruptions and their values per severity")
    return parser


def main(argv: list[str] | None = None) -> int:
    settings.apply()
    try:
        args = build_parser().parse_args(argv)
        commands = {"render": _render, "info": _info, "validate": _validate, "verify": _verify,
                    "corrupt": _corrupt, "view": _view, "report": _report,
                    "contact-sheet": _contact_sheet, "export": _export, "assets": _assets,
                    "score": _score, "suites": _suites}
        return commands[args.command](args)
    except UserError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt as exc:
        print(f"{PROG}: {str(exc) or 'interrupted'}", file=sys.stderr)
        return getattr(exc, "exit_code", 130)
    except Exception as exc:
        if os.environ.get("SIMENGINE_DEBUG"):
            traceback.print_exc()
            print(getattr(exc, "worker_traceback", ""), file=sys.stderr, end="")
        print(f"{PROG}: internal error: {exc.__class__.__name__}: {exc} "
              "(set SIMENGINE_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1


def _validate(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .spec.loader import load_scene

    spec = load_scene(args.scene)
    Engine(spec).outputs()  # what needs the sensors' layout (corruptions' context)
    print(f"{args.scene}: valid scene '{spec.name}' ({len(spec.groups)} object groups, up to "
          f"{spec.max_objects} objects, {len(spec.sensors)} sensors)")
    return 0


def _render(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .jobs.render_store import DEFAULT_BLOCK_SIZE, render_store
    from .spec.loader import load_scene

    spec = load_scene(args.scene)  # validates before anything is written
    out = Path(args.output)
    if out.exists() and out.is_file():
        raise UserError(f"{args.output}: exists and is a file, expected a store directory")
    check_creatable(args.output)
    engine = Engine(spec, seed=args.seed)
    block = args.block_size or DEFAULT_BLOCK_SIZE
    summary = render_store(engine, args.output if "://" in args.output else str(out),
                           args.num_samples, workers=args.workers, block_size=block,
                           resume=args.resume, overwrite=args.overwrite,
                           progress=not args.no_progress, scheduler=args.scheduler,
                           dask_workers=args.dask_local)
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in summary.stage_seconds.items() if v > 0)
    print(f"rendered {summary.rendered} of {summary.samples} samples "
          f"({summary.skipped_blocks} blocks already done) in {summary.seconds:.1f} s, "
          f"{summary.samples_per_second:.2f} samples/s with {summary.workers} worker(s) "
          f"({summary.executor}; {summary.retries} retries, {summary.failures} failures) "
          f"-> {summary.store}" + (f" [{stages}]" if stages else ""))
    if summary.dropped_objects:
        print(f"{PROG}: note: {summary.dropped_objects} object(s) in "
              f"{summary.samples_with_drops} sample(s) found no free spot at spawn and were "
              "left out (counted per sample in meta/dropped_objects); give their groups more "
              "room or fewer objects", file=sys.stderr)
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .store.integrity import describe_samples
    from .store.verify import verify_store

    report = verify_store(args.store)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return 0 if report.ok else 1
    for problem in report.store_problems:
        print(f"{args.store}: {problem}")
    for block, problems in sorted(report.damaged.items()):
        for problem in problems:
            print(f"{args.store}: block {block}: {problem}")
    if report.ok:
        print(f"{args.store}: ok: {report.samples_done} done samples of "
              f"{report.samples_total} verified ({report.blocks_checked} blocks)")
        return 0
    damaged = report.damaged_samples
    print(f"{args.store}: DAMAGED: samples {describe_samples(damaged) or '(all)'}; "
          "`simengine render SCENE -o STORE --resume` renders them again")
    return 1


def _corrupt(args: argparse.Namespace) -> int:
    from .jobs.corrupt_store import corrupt_store

    out = Path(args.output)
    if out.exists() and out.is_file():
        raise UserError(f"{args.output}: exists and is a file, expected a store directory")
    check_creatable(args.output)
    summary = corrupt_store(args.store, str(out), args.corruptions, resume=args.resume,
                            overwrite=args.overwrite)
    print(f"corrupted {summary.written} of {summary.samples} samples with set(s) "
          f"{', '.join(summary.sets)} in {summary.seconds:.1f} s: {summary.source} -> "
          f"{summary.store}")
    return 0


def _view(args: argparse.Namespace) -> int:
    if args.rerun:
        return _view_rerun(args)
    from .viewer import serve

    serve(args.store, args.port)  # until Ctrl-C (KeyboardInterrupt: exit 130, as elsewhere)
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report.build import write_report

    s = write_report(args.store, args.output, calibration_samples=args.calibration_samples,
                     sheet_samples=args.sheet_samples, scores=args.scores)
    print(f"report of {s.samples} samples ({s.figures} images, {s.curves} severity curves, "
          f"{s.bytes / 1e6:.1f} MB) -> {s.output}")
    return 0


def _contact_sheet(args: argparse.Namespace) -> int:
    from .report.build import check_output
    from .report.contact_sheet import contact_sheet

    out = check_output(args.output)
    if out.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise UserError(f"{args.output}: expected a .png or .jpg file name")
    sheet = contact_sheet(args.store, args.camera, frame=args.frame, columns=args.columns,
                          max_samples=args.samples, tile_width=args.tile_width,
                          variant=args.variant, boxes=args.boxes)
    sheet.image.save(out)
    w, h = sheet.image.size
    print(f"contact sheet of {len(sheet.samples)} samples, camera {sheet.camera}, capture "
          f"{sheet.frame} ({sheet.layout.columns} x {sheet.layout.rows} tiles, {w} x {h} px)"
          f" -> {out}")
    return 0


def _suites(args: argparse.Namespace) -> int:
    from .corruptions import suites
    from .corruptions.suites.listing import describe, describe_all

    if args.name is None:
        print("\n".join(describe_all()))
        return 0
    if args.name not in suites.names():
        raise UserError(f"unknown suite {args.name!r}; known: {', '.join(suites.names())}")
    print("\n".join(describe(args.name)))
    return 0


def _assets(args: argparse.Namespace) -> int:
    from .assets import generator, generators

    known = generators()
    names = known
    if args.generators:
        names = [n.strip() for n in args.generators.split(",") if n.strip()]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise UserError(f"--generators: unknown generator {unknown[0]!r}; known: "
                            f"{', '.join(known)}")
    if args.output is None:
        for name in names:
            g = generator(name)
            print(f"{name:15s} {g.category:10s} class {g.label:12s} material {g.material:10s} "
                  f"params: {', '.join(g.params)}")
        return 0
    from .assets.sheet import asset_sheet
    from .report.build import check_output

    out = check_output(args.output)
    if out.suffix.lower() != ".png":
        raise UserError(f"{args.output}: expected a .png file name")
    sheet = asset_sheet(names, examples=args.examples, seed=args.seed,
                        tile_width=args.tile_width)
    sheet.save(out)
    print(f"{len(names)} generators x {args.examples} examples ({sheet.size[0]} x "
          f"{sheet.size[1]} px) -> {out}")
    return 0


def _view_rerun(args: argparse.Namespace) -> int:
    from .export.rerun_export import export_rerun, viewer_available

    out = args.output or f"{Path(args.store.rstrip('/')).stem}.rrd"
    spawn = args.output is None and viewer_available()
    s = export_rerun(args.store, out, overwrite=args.overwrite, spawn=spawn)
    print(f"Rerun recording of {s.samples} samples -> {s.output}"
          + (" (viewer started)" if spawn else ""))
    return 0


def _export_streamed(args: argparse.Namespace) -> int:
    """The formats other tools read directly: Rerun, Hugging Face datasets, WebDataset."""
    if args.camera or args.lidar:
        raise UserError(f"--camera/--lidar: not used by --format {args.format} (it exports "
                        "every sensor)")
    if args.format == "rerun":
        from .export.rerun_export import export_rerun

        s = export_rerun(args.store, args.output, overwrite=args.overwrite)
    elif args.format == "hf":
        from .export.hf_export import export_hf

        s = export_hf(args.store, args.output, overwrite=args.overwrite, license=args.license)
    else:
        from .export.webdataset_export import export_webdataset

        s = export_webdataset(args.store, args.output, overwrite=args.overwrite,
                              samples_per_shard=args.samples_per_shard)
    print(f"exported {s.samples} samples as {s.format} ({s.images} images, {s.files} files) "
          f"-> {s.output}")
    return 0


def _export(args: argparse.Namespace) -> int:
    if args.format in ("rerun", "hf", "webdataset"):
        return _export_streamed(args)
    if args.format == "coco":
        from .export.coco import export_coco

        s = export_coco(args.store, args.output, cameras=args.camera,
                        overwrite=args.overwrite)
    else:
        from .export.kitti import export_kitti

        if args.camera and len(args.camera) > 1:
            raise UserError("--camera: KITTI takes one camera")
        s = export_kitti(args.store, args.output, camera=(args.camera or [None])[0],
                         lidar=args.lidar, overwrite=args.overwrite)
    for note in s.notes:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    print(f"exported {s.samples} samples as {s.format.upper()}: {s.images} images, "
          f"{s.annotations} annotations -> {s.output}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from .store.info import describe

    info = describe(args.store)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"store      {info['path']}")
    print(f"scene      {info['scene_name']} (hash {info['scene_hash'][:12]})")
    print(f"seed       {info['root_seed']}")
    print(f"engine     {info['engine_version']} (schema {info['schema_version']})")
    print(f"samples    {info['samples_done']} done of {info['samples_total']}")
    if info["samples_missing_shards"]:
        from .store.integrity import describe_samples

        print(f"DAMAGED    samples {describe_samples(info['samples_missing_shards'])} are "
              "marked done but have shard files missing; `simengine verify` checks them all, "
              "`simengine render ... --resume` renders them again")
    print(f"classes    {', '.join(info['classes'])}")
    print("arrays")
    width = max(len(a) for a in info["arrays"])
    for name, a in info["arrays"].items():
        print(f"  {name:<{width}}  {a['dtype']:<8} shape {tuple(a['shape'])} chunks "
              f"{tuple(a['chunks'])} shards {tuple(a['shards']) if a['shards'] else '-'}")
    return 0


SCORE_HELP = """\
RESULTS is either
  metric values, one per (sample, variant), higher is better (accuracy 0/1, mIoU, AP...):
    .csv with the header sample,variant,value, or
    .json {"metric": "accuracy", "values": [{"sample": 0, "variant": "clean", "value": 1}]}
  or predictions the package scores itself, a .npz file (or a directory of them) with
    task = class | mask | points | boxes, optional sensor = <camera or lidar name>,
    and one array per key "<sample>/<variant>":
      class:  one class id (targets as "target/<sample>")
      mask:   the camera's semantic shape (F, H, W)      -> mIoU
      points: the lidar's semantic shape (F, [S,] R, C)  -> mIoU over the returns
      boxes:  (N, 7) frame, x, y, w, h, score, class_id   -> COCO AP (pycocotools)
A variant is "clean" or "<set>/<slot>" (the store's corrupted/<set>/<slot>); the store says
which corruption and severity each one is. Every sample with results needs clean and every
variant of the benchmark's sets; every corruption needs every severity (policy: grid).
--baseline: a shipped name (alexnet, minkunet18_semantickitti_c, bevfusion_multicorrupt), a
JSON {"kind": "error"|"score", "clean": x, "corruptions": {name: [per severity]}}, or the
scores JSON of another model. ImageNet-C defaults to AlexNet. See docs/robustness.md."""


def _add_score_parser(sub) -> None:
    sc = sub.add_parser("score", help="a model's robustness scores on a store's corrupted "
                                      "variants (ImageNet-C mCE, Robo3D mCE/mRR, ...)",
                        description=SCORE_HELP,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sc.add_argument("store")
    sc.add_argument("results", help="metric values (.csv/.json) or predictions (.npz/dir)")
    sc.add_argument("--benchmark", required=True,
                    help="imagenet_c | robo3d | multicorrupt | kitti_c")
    sc.add_argument("--baseline", default=None, help="baseline name or JSON file")
    sc.add_argument("-o", "--output", required=True, help="the scores JSON to write")


def _score(args: argparse.Namespace) -> int:
    from .robustness.score import score, write_scores

    doc = score(args.store, args.results, args.benchmark, args.baseline)
    out = write_scores(doc, args.output)
    head = ", ".join(f"{k} {v:.4f}" for k, v in doc["headline"].items()
                     if isinstance(v, float))
    print(f"{doc['benchmark']}: {len(doc['table'])} corruptions x {doc['severities']} "
          f"severities, {doc['samples']} samples, clean {doc['metric']} {doc['clean']:.4f}; "
          f"{head} -> {out}")
    return 0
