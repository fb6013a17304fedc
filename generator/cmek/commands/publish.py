"""`cmek publish`: put a build on S3, versioned, immutable and verified, then the stable paths.

Exit codes: 0 published (or unchanged), 1 refused (`cmek check` has findings in DIR, or the
version exists with other bytes; nothing was changed), 2 bad input (a flag, or a DIR that is not
exactly what its manifest lists), 3 an S3 call failed or an object did not verify (the line names
bucket, key and cause; stable paths are only touched after the version is complete, so a re-run
completes it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from cmek import model
from cmek.commands import (
    add_aws_profile_argument,
    add_config_argument,
    add_endpoint_argument,
    check_endpoint,
    load_config,
    use_aws_profile,
)
from cmek.errors import EXIT_CHECK_FAILED, EXIT_OK, InputError, quote


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bucket", required=True, help="S3 bucket name")
    parser.add_argument(
        "--prefix", default=model.PUBLISH_PREFIX, help=f"key prefix ({model.PUBLISH_PREFIX})"
    )
    parser.add_argument(
        "--version",
        dest="publish_version",
        default=model.VERSION,
        help=f"version directory ({model.VERSION}, the package version)",
    )
    parser.add_argument("--region", help="the bucket's region (default: asked from S3)")
    add_aws_profile_argument(parser)
    add_endpoint_argument(parser, "S3")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")
    add_config_argument(parser)
    parser.add_argument("dir", nargs="?", type=Path, default=Path("dist"), help="build (dist)")


class _Lines:
    """One line per file on stdout; a progress line on stderr only when it is a terminal."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.tty = self.err.isatty()
        self.shown = False

    def file(self, status: str, key: str, reason: str = "") -> None:
        self._clear()
        print(f"{status:12} {key}" + (f" ({reason})" if reason else ""), file=self.out)

    def progress(self, done: int, total: int, key: str) -> None:
        if self.tty:
            self.out.flush()
            self.err.write(f"\r\033[K[{done}/{total}] {key}"[:200])
            self.err.flush()
            self.shown = True

    def _clear(self) -> None:
        if self.shown:
            self.err.write("\r\033[K")
            self.err.flush()
            self.shown = False


def run(args: argparse.Namespace) -> int:
    from cmek import aws
    from cmek.publish import upload as publish

    checks = (
        ("--bucket", publish.check_bucket, args.bucket),
        ("--prefix", publish.check_prefix, args.prefix),
        ("--version", publish.check_version, args.publish_version),
    )
    values = []
    for flag, check, value in checks:
        try:
            values.append(check(value))
        except InputError as exc:
            raise exc.within(flag) from None
    target = publish.Target(*values)
    region = _region(args.region)
    check_endpoint(args.endpoint_url)
    dist = publish.read_dist(args.dir)
    findings = _judge(args)
    if findings:
        for finding in findings:
            print(finding)
        print(
            f"refused: {len(findings)} finding(s) of `cmek check` in {args.dir}; nothing was "
            "uploaded"
        )
        return EXIT_CHECK_FAILED
    use_aws_profile(args)
    s3 = publish.S3(aws.client("s3", region, args.endpoint_url), target.bucket)
    lines = _Lines()
    summary = publish.publish(dist, target, s3, lines, region, args.dry_run)
    lines._clear()
    _print_summary(summary, target, s3.requests, args.dry_run)
    return EXIT_CHECK_FAILED if summary.refused else EXIT_OK


def _region(value: str | None) -> str | None:
    """The bucket's region, if given: one where S3 runs in the commercial partition (botocore's
    data). It is written into every published link, for good: a typo must not get that far."""
    from cmek import regions

    known = regions.service_regions(model.S3_SERVICE, model.COMMERCIAL_PARTITION)
    if value is not None and value not in known:
        raise InputError(
            f"--region {quote(value)}: expected a region where S3 runs in partition "
            f"{model.COMMERCIAL_PARTITION!r}, like {model.EXAMPLE_REGION}"
        )
    return value


def _judge(args: argparse.Namespace) -> list:
    """Every finding `cmek check DIR --config FILE` reports (deny by default): a build that check
    would refuse is not published. cfn-lint included: a template it rejects must not reach the
    console links. A tool a check needs that is missing is exit 3 (ChecksNotRun), as in check."""
    from cmek.checks import DistDir, run_all

    return run_all(DistDir(args.dir, load_config(args)))


def _print_summary(summary, target, requests: int, dry_run: bool) -> None:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(summary.counts.items()))
    where = f"s3://{target.bucket}/{target.versioned('')}/"
    if summary.refused:
        verdict = f"refused: {where} exists with other bytes; nothing was changed"
    elif dry_run:
        verdict = f"dry run for {where}: nothing was written"
    else:
        stable = "stable paths updated" if summary.stable_updated else "stable paths current"
        verdict = f"published {where}: {stable}"
    print(f"{verdict} ({counts}; {requests} requests)")
    if summary.links:
        from cmek.publish import upload as publish

        print(f"links: s3://{target.bucket}/{summary.links_key}")
        for url in publish.verified_urls(summary.links):
            print(f"template: {url}")
        for module, sources in sorted(summary.links["module_sources"].items()):
            print(f"module {module}: {sources['s3']}")
