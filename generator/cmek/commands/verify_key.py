"""`cmek verify-key`: is this key usable by ClickHouse? Once or watching.

It reads the key (its state, spec, usage and policy) and judges it against the model's contract:
what ClickHouse's documentation asks of a key. It is not ClickHouse's own check, which runs inside
ClickHouse Cloud with the service's role.

Exit 0 valid, 1 not valid, 2 bad input, 3 the check could not run (AWS refused the caller, no
connection). With `--watch` it runs until interrupted: 130 on Ctrl-C, 143 on SIGTERM.
"""

from __future__ import annotations

import argparse

from cmek.commands import (
    add_aws_profile_argument,
    add_cmek_version_arguments,
    add_endpoint_argument,
    check_endpoint,
    check_profile_spelling,
    cmek_version,
    missing_role,
    use_aws_profile,
)
from cmek.errors import EXIT_CHECK_FAILED, EXIT_OK, InputError, quote


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from cmek import model

    parser.add_argument("key_arn", metavar="KEY_ARN", help="the key's ARN (an alias ARN works)")
    add_cmek_version_arguments(
        parser,
        version=f"the ClickHouse contract to check (default {model.CURRENT_PROFILE})",
        principal="ClickHouse's principal: v2 your service's encryption role ARN (required); "
        "v1 defaults to the shared role",
    )
    parser.add_argument(
        "--role-arn", help="v1 role flow: the role in your account that ClickHouse assumes"
    )
    parser.add_argument("--region", help="where to look for the key (default: the ARN's region)")
    add_aws_profile_argument(parser)
    add_endpoint_argument(parser, "KMS and IAM")
    parser.add_argument(
        "--live",
        action="store_true",
        help="also run GenerateDataKey, Decrypt (and ReEncrypt for v2) with your credentials",
    )
    parser.add_argument(
        "--watch",
        metavar="SECONDS",
        help="check again every SECONDS (ClickHouse uses "
        f"{model.CLICKHOUSE_CHECK_INTERVAL_SECONDS}) and print a line when the verdict changes; "
        "runs until interrupted",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    _add_gcp_arguments(parser)


def _add_gcp_arguments(parser: argparse.ArgumentParser) -> None:
    """`--cloud gcp`: KEY_ARN is then the key's resource path, judged from gcloud's documents."""
    from cmek.gcp import command

    parser.add_argument("--cloud", choices=command.CLOUDS, default="aws", help=command.CLOUD_HELP)
    parser.add_argument(
        "--describe-file",
        metavar="FILE",
        help="with --cloud gcp: `gcloud kms keys describe KEY_PATH --format=json` (- for stdin)",
    )
    parser.add_argument(
        "--iam-policy-file",
        metavar="FILE",
        help="with --cloud gcp: `gcloud kms keys get-iam-policy KEY_PATH --format=json` "
        "(- for stdin); live calls to Google are out of scope",
    )


def run(args: argparse.Namespace) -> int:
    if args.cloud == "gcp":
        from cmek.gcp import command

        return command.verify_key(args)
    import json

    from cmek.verify import fetch as verify_key_fetch
    from cmek.verify import report as verify_key_report

    check_profile_spelling(args)
    request = _request(args)
    check_endpoint(args.endpoint_url)
    use_aws_profile(args)
    interval = _interval(args.watch)
    if interval is not None:
        return _watch(request, args, interval)
    report = verify_key_fetch.verify(request, args.endpoint_url)
    if args.format == "json":
        print(json.dumps(verify_key_report.to_dict(report), indent=2))
    else:
        print(verify_key_report.render_text(report), end="")
    return EXIT_OK if report.valid else EXIT_CHECK_FAILED


def _request(args: argparse.Namespace):
    from cmek import model, validate
    from cmek.verify import evaluate as verify_key

    try:
        key = verify_key.parse_key_ref(args.key_arn)
    except InputError as exc:
        raise exc.within("KEY_ARN") from None
    try:
        validate.region(key.region, "region", key.partition)
    except InputError as exc:
        raise exc.within(f"KEY_ARN {quote(key.arn)}:") from None
    region = validate.region(args.region or key.region, "--region", key.partition)
    profile = cmek_version(args)
    principal = args.principal or profile.principal
    if principal is None:
        raise missing_role()
    validate.role_arn(principal, "--principal", key.partition)
    if args.role_arn is not None:
        if not profile.role_in_customer_account:
            raise InputError(
                f"--role-arn: the role flow is {model.V1.name} only; with --cmek-version "
                f"{profile.name} the key policy names the service's role (--principal)"
            )
        validate.role_arn(args.role_arn, "--role-arn", key.partition)
    return verify_key.Request(key, region, profile, principal, args.role_arn, args.live)


def _interval(value: str | None) -> float | None:
    from cmek import model, validate

    if value is None:
        return None
    low, high = model.WATCH_INTERVAL_MIN_SECONDS, model.WATCH_INTERVAL_MAX_SECONDS
    return validate.seconds(value, "--watch", low, high, model.CLICKHOUSE_CHECK_INTERVAL_SECONDS)


def _watch(request, args: argparse.Namespace, interval: float) -> int:
    """Watch until a signal: Ctrl-C ends it with 130 and SIGTERM with 143, as the CLI ends any
    command, so a supervisor (systemd, a container runtime) tells a stop from a clean exit."""
    import time
    from datetime import UTC, datetime

    from cmek.verify import fetch as verify_key_fetch
    from cmek.verify import report as verify_key_report

    line = verify_key_report.watch_record if args.format == "json" else verify_key_report.watch_line

    def check_once() -> verify_key_report.Observation:
        return verify_key_report.observe(
            lambda: verify_key_fetch.verify(request, args.endpoint_url)
        )

    def emit(at, current, previous) -> None:
        print(line(at, current, previous), flush=True)

    verify_key_report.watch(check_once, interval, emit, time.sleep, lambda: datetime.now(UTC))
    return EXIT_OK
