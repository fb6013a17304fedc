"""`cmek check`: lint and check a dist directory; exit 1 on any finding."""

from __future__ import annotations

import argparse
from pathlib import Path

from cmek.commands import add_config_argument, load_config
from cmek.errors import EXIT_CHECK_FAILED, EXIT_OK, InputError, quote

FORMATS = ("text", "json", "sarif", "markdown")
# The check that judges what DIR holds; alone when DIR holds what no check may read.
UNSAFE_CHECK = "CMEK-DIST-001"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("dir", nargs="?", type=Path, default=Path("dist"), help="directory (dist)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text, json, sarif (SARIF 2.1.0 for code scanning) or markdown (--list only)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the checks (id, description, source, code)"
    )


def run(args: argparse.Namespace) -> int:
    from cmek.checks import discover
    from cmek.checks.runner import ChecksNotRun

    checks = discover()
    if args.list:
        _print_list(checks, args.format)
        return EXIT_OK
    if args.format == "markdown":
        raise InputError("--format 'markdown': expected it with --list (it prints the checks)")
    not_run = None
    try:
        findings = _findings(args)
    except ChecksNotRun as exc:
        # A missing tool: report what the other checks found, then fail as the tool (exit 3).
        findings, not_run = exc.findings, exc
    _print_findings(args, checks, findings)
    if not_run is not None:
        raise not_run
    return EXIT_CHECK_FAILED if findings else EXIT_OK


def _print_findings(args: argparse.Namespace, checks: dict, findings: list) -> None:
    import json

    from cmek.checks import report

    if args.format == "json":
        findings_json = [report.finding_json(f) for f in findings]
        catalogue = report.catalogue(checks.values())
        print(json.dumps({"checks": catalogue, "findings": findings_json}, indent=2))
    elif args.format == "sarif":
        print(json.dumps(report.sarif(checks.values(), findings, args.dir.as_posix()), indent=2))
    else:
        for finding in findings:
            print(finding)
        print(f"{len(checks)} checks, {len(findings)} findings")


def _print_list(checks: dict, output: str) -> None:
    import json

    from cmek.checks import report

    if output == "markdown":
        print(report.markdown(checks.values()), end="")
    elif output in ("json", "sarif"):
        print(json.dumps(report.catalogue(checks.values()), indent=2))
    else:
        for entry in report.catalogue(checks.values()):
            print(f"{entry['id']}\t{entry['code']}\t{entry['description']}")


def _findings(args: argparse.Namespace) -> list:
    import gc
    import stat

    from cmek import model
    from cmek.checks import DistDir, run_all

    config = load_config(args)
    expected = f"expected a directory built by `cmek build` (with {model.MANIFEST_FILE})"
    try:
        # A folder is judged; a build whose manifest was deleted or replaced is a finding of
        # CMEK-DIST-001 and -002 (its files are still there to check), not bad input.
        is_dir = stat.S_ISDIR(args.dir.stat().st_mode)
    except OSError as exc:
        raise InputError(f"DIR {quote(args.dir)}: {exc.strerror}; {expected}") from None
    if not is_dir:
        raise InputError(f"DIR {quote(args.dir)}: {expected}")
    dist = DistDir(args.dir, config)
    if dist.unsafe():
        # A symbolic link, FIFO, device or oversized file: nothing else reads this DIR.
        return run_all(dist, only=[UNSAFE_CHECK])
    # The process ends after the report: the cyclic collector, off while the checks run (see
    # runner.py), stays off. Turned on again, it would first scan the 300,000 objects the run
    # made (0.12 s) to free memory the exit frees anyway.
    gc.disable()
    return run_all(dist)
