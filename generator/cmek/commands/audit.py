"""`cmek audit`: every key in the account that ClickHouse can use, and what to remove or fix.

Exit 0 nothing to fix, 1 findings (a region, key or IAM that could not be read is one too: the
answer is incomplete), 2 bad input, 3 nothing could be audited (no region readable).
"""

from __future__ import annotations

import argparse
import re
import sys

from cmek.audit.report import TerminalLine
from cmek.commands import (
    add_aws_profile_argument,
    add_endpoint_argument,
    check_endpoint,
    use_aws_profile,
)
from cmek.errors import InputError, ToolError, quote

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 64
PROGRESS_WIDTH = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--region",
        action="append",
        help="a region to audit (repeatable; default: your session's region)",
    )
    where.add_argument(
        "--all-regions",
        action="store_true",
        help="every commercial region where KMS runs (from botocore's data)",
    )
    add_aws_profile_argument(parser)
    add_endpoint_argument(parser, "KMS and IAM")
    parser.add_argument("--format", choices=("text", "json", "csv", "asff"), default="text")
    parser.add_argument(
        "--concurrency",
        default=str(DEFAULT_CONCURRENCY),
        help=f"AWS calls in flight at once (1-{MAX_CONCURRENCY}, default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--clickhouse-account",
        action="append",
        default=[],
        metavar="ACCOUNT",
        help="a ClickHouse account whose roles are v2 encryption roles (repeatable)",
    )
    add_organization_arguments(parser)


def add_organization_arguments(parser: argparse.ArgumentParser) -> None:
    from cmek import model

    org = parser.add_argument_group("organization-wide audit and Security Hub")
    org.add_argument(
        "--organization",
        action="store_true",
        help="audit every active account of the organization (from its management or a "
        "delegated administrator account)",
    )
    org.add_argument(
        "--assume-role-name",
        default=model.DEFAULT_ORG_ROLE_NAME,
        help=f"the role to assume in each account (default {model.DEFAULT_ORG_ROLE_NAME})",
    )
    for flag, what in (("--account", "only this account"), ("--exclude-account", "skip it")):
        org.add_argument(
            flag, action="append", default=[], metavar="ID", help=f"{what} (repeatable)"
        )
    org.add_argument(
        "--security-hub",
        action="store_true",
        help="import the findings into each account's Security Hub and archive those now gone",
    )
    org.add_argument("--security-hub-region", help="default: the first audited region")


def run(args: argparse.Namespace) -> int:
    from cmek.audit import evaluate as audit
    from cmek.audit import fetch as audit_fetch
    from cmek.audit import report as audit_render

    accounts = _accounts(args.clickhouse_account)
    concurrency = _concurrency(args.concurrency)
    check_endpoint(args.endpoint_url)
    use_aws_profile(args)
    regions = _regions(args)
    _check_organization_flags(args)
    if args.organization or args.security_hub or args.format == "asff":
        from cmek.audit import streamed

        return streamed.run(args, regions, accounts, concurrency)
    progress = Progress(sys.stderr) if sys.stderr.isatty() else None
    try:
        inventory = audit_fetch.fetch(
            regions, accounts, args.endpoint_url, concurrency, progress and progress.update
        )
    finally:
        if progress is not None:
            progress.close()
    report = audit.audit(inventory, accounts, args.endpoint_url)
    sys.stdout.write(audit_render.RENDERERS[args.format](report))
    if not report.readable:
        print("cmek: error: could not audit: no region could be read", file=sys.stderr)
    return report.exit_code


def _accounts(values: list[str]) -> tuple[str, ...]:
    from cmek.audit import evaluate as audit

    try:
        return tuple(dict.fromkeys(audit.parse_account(v) for v in values))
    except InputError as exc:
        raise exc.within("--clickhouse-account") from None


def _check_organization_flags(args: argparse.Namespace) -> None:
    from cmek import model, validate

    if not args.organization:
        for flag in ("account", "exclude_account"):
            if getattr(args, flag):
                raise InputError(f"--{flag.replace('_', '-')} needs --organization")
    for flag in ("account", "exclude_account"):
        try:
            _accounts(getattr(args, flag))
        except InputError as exc:
            raise InputError(str(exc).replace("--clickhouse-account", f"--{flag}")) from None
    if not re.fullmatch(r"[\w+=,.@-]{1,64}", args.assume_role_name):
        raise InputError(
            f"--assume-role-name {quote(args.assume_role_name)}: expected an IAM role name like "
            f"{model.DEFAULT_ORG_ROLE_NAME}"
        )
    if args.security_hub_region is not None:
        if not args.security_hub:
            raise InputError("--security-hub-region needs --security-hub")
        validate.region(args.security_hub_region, "--security-hub-region", "aws")


def _concurrency(value: str) -> int:
    from cmek import validate

    return validate.whole_number(value, "--concurrency", 1, MAX_CONCURRENCY)


def _regions(args: argparse.Namespace) -> tuple[str, ...]:
    from cmek import model
    from cmek.audit import fetch as audit_fetch

    if args.all_regions:
        return audit_fetch.kms_regions()
    if not args.region:
        from cmek import aws

        region = aws.session().region_name
        if region is None:
            # The environment lacks what the command needs (as missing credentials): exit 3.
            raise ToolError(
                "no AWS region is configured (AWS_REGION, AWS_DEFAULT_REGION or the profile's "
                "region); give --region R or --all-regions"
            )
        return (region,)
    known = audit_fetch.all_kms_regions()
    for region in args.region:
        if region not in known:
            raise InputError(
                f"--region {quote(region)}: expected a region where KMS runs, like "
                f"{model.EXAMPLE_REGION}"
            )
    return tuple(dict.fromkeys(args.region))


class Progress(TerminalLine):
    """A one-line bar on a terminal, redrawn in place; nothing is written in a pipe."""

    def update(self, done: int, total: int) -> None:
        filled = PROGRESS_WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (PROGRESS_WIDTH - filled)
        self.draw(f"audit [{bar}] {done}/{total} keys")
