"""Command-line interface. Exit codes: 0 success, 2 bad input (one-line message naming the
file, key path and expectation; no traceback), 1 internal error, 130 interrupted."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

from ._version import __version__
from .errors import UserError

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

    c = sub.add_parser("corrupt", help="add corrupted variants to a rendered store, into a "
                                       "new store, without re-simulating")
    c.add_argument("store", help="the rendered (clean) store; only read")
    c.add_argument("-c", "--corruptions", required=True,
                   help="YAML file: a list of corruption sets, as a scene's corruptions:")
    c.add_argument("-o", "--output", required=True, help="the new store (a directory)")
    c.add_argument("--resume", action="store_true", help="finish an interrupted run")
    c.add_argument("--overwrite", action="store_true", help="replace an existing target")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        commands = {"render": _render, "info": _info, "validate": _validate,
                    "corrupt": _corrupt}
        return commands[args.command](args)
    except UserError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("SIMENGINE_DEBUG"):
            traceback.print_exc()
        print(f"{PROG}: internal error: {exc.__class__.__name__}: {exc} "
              "(set SIMENGINE_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1


def _validate(args: argparse.Namespace) -> int:
    from .spec.loader import load_scene

    spec = load_scene(args.scene)
    print(f"{args.scene}: valid scene '{spec.name}' ({len(spec.groups)} object groups, up to "
          f"{spec.max_objects} objects, {len(spec.sensors)} sensors)")
    return 0


def _render(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .render import DEFAULT_BLOCK_SIZE, render
    from .spec.loader import load_scene

    spec = load_scene(args.scene)  # validates before anything is written
    out = Path(args.output)
    if out.exists() and out.is_file():
        raise UserError(f"{args.output}: exists and is a file, expected a store directory")
    engine = Engine(spec, seed=args.seed)
    block = args.block_size or DEFAULT_BLOCK_SIZE
    summary = render(engine, args.output if "://" in args.output else str(out),
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
    return 0


def _corrupt(args: argparse.Namespace) -> int:
    from .corrupt import corrupt_store

    out = Path(args.output)
    if out.exists() and out.is_file():
        raise UserError(f"{args.output}: exists and is a file, expected a store directory")
    summary = corrupt_store(args.store, str(out), args.corruptions, resume=args.resume,
                            overwrite=args.overwrite)
    print(f"corrupted {summary.written} of {summary.samples} samples with set(s) "
          f"{', '.join(summary.sets)} in {summary.seconds:.1f} s: {summary.source} -> "
          f"{summary.store}")
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
    print(f"classes    {', '.join(info['classes'])}")
    print("arrays")
    width = max(len(a) for a in info["arrays"])
    for name, a in info["arrays"].items():
        print(f"  {name:<{width}}  {a['dtype']:<8} shape {tuple(a['shape'])} chunks "
              f"{tuple(a['chunks'])} shards {tuple(a['shards']) if a['shards'] else '-'}")
    return 0
