"""`cmek build`: render every artifact into a dist directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.commands import add_config_argument, load_config
from generator.errors import EXIT_OK, InputError

NAME = "build"
HELP = "render every artifact into a dist directory"
ORDER = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("--out", type=Path, default=Path("dist"), help="output directory (dist)")


def run(args: argparse.Namespace) -> int:
    from generator import build

    files = build.artifacts(load_config(args))
    try:
        build.write(files, args.out)
    except InputError as exc:
        raise exc.within("--out") from None
    print(f"wrote {len(files)} files to {args.out}")
    return EXIT_OK
