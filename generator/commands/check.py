"""`cmek check`: lint and check a dist directory; exit 1 on any finding."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from generator.commands import add_config_argument, load_config
from generator.errors import EXIT_CHECK_FAILED, EXIT_OK, InputError, quote

NAME = "check"
HELP = "lint and check a dist directory"
ORDER = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("dir", nargs="?", type=Path, default=Path("dist"), help="directory (dist)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from generator import model
    from generator.checks import Dist, load_all, run_all

    config = load_config(args)
    expected = f"expected a directory built by `cmek build` (with {model.MANIFEST_FILE})"
    try:
        is_dist = (args.dir / model.MANIFEST_FILE).is_file()
    except OSError as exc:
        raise InputError(f"DIR {quote(args.dir)}: {exc.strerror}; {expected}") from None
    if not is_dist:
        raise InputError(f"DIR {quote(args.dir)}: {expected}")
    findings = run_all(Dist(args.dir, config))
    checks = load_all()
    if args.format == "json":
        print(
            json.dumps(
                {
                    "checks": [
                        {"id": c.id, "description": c.description, "doc": c.doc}
                        for c in checks.values()
                    ],
                    "findings": [
                        {"id": f.check_id, "path": f.path, "message": f.message} for f in findings
                    ],
                },
                indent=2,
            )
        )
    else:
        for finding in findings:
            print(finding)
        print(f"{len(checks)} checks, {len(findings)} findings")
    return EXIT_CHECK_FAILED if findings else EXIT_OK
