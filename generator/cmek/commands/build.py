"""`cmek build`: render every artifact into a dist directory.

Its job is the directory: once the build is installed, a report line that cannot be written
(stdout closed or full) is a warning on stderr and the exit code stays 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cmek.commands import add_config_argument, load_config
from cmek.errors import EXIT_OK, InputError, StdoutError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("--out", type=Path, default=Path("dist"), help="output directory (dist)")


def run(args: argparse.Namespace) -> int:
    from cmek import build, validate

    validate.path(args.out, "--out")
    try:
        build.check_target(args.out)
    except InputError as exc:
        raise exc.within("--out") from None
    files = build.artifacts(load_config(args))
    validate.path(args.out, "--out", build.room(files, args.out))
    try:
        warnings = build.write(files, args.out)
    except InputError as exc:
        raise exc.within("--out") from None
    for warning in warnings:
        print(f"cmek: warning: {warning}", file=sys.stderr)
    try:
        print(f"wrote {len(files)} files to {args.out}", flush=True)
    except StdoutError as exc:
        print(f"cmek: warning: the build is in {args.out}; {exc}", file=sys.stderr)
    return EXIT_OK
