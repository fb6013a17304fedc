"""The I/O of `--cloud gcp` in `cmek snippet` and `cmek verify-key`: flags in, text out.

Both commands branch here early, so the AWS paths stay as they are. Nothing here calls Google:
verify-key judges the documents gcloud printed (files, or `-` for standard input).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cmek import model
from cmek.errors import EXIT_CHECK_FAILED, EXIT_OK, InputError, quote
from cmek.gcp import values

CLOUDS = ("aws", "gcp")
CLOUD_HELP = "aws (default) or gcp (Cloud KMS; judged from gcloud's output, no call to Google)"


def snippet(args: argparse.Namespace) -> int:
    from cmek.gcp import snippet as gcp_snippet

    email, key = _principal_and_key(args.principal, args.key)
    sys.stdout.write(gcp_snippet.render(key, email))
    return EXIT_OK


def verify_key(args: argparse.Namespace) -> int:
    from cmek.gcp import verify

    email, key = _principal_and_key(args.principal, args.key_arn, key_flag="KEY_PATH")
    for flag, value in (
        ("--describe-file", args.describe_file),
        ("--iam-policy-file", args.iam_policy_file),
    ):
        if value is None:
            raise InputError(f"{flag}: required with --cloud gcp (a file of gcloud's JSON, or -)")
    if args.describe_file == "-" and args.iam_policy_file == "-":
        raise InputError("--describe-file and --iam-policy-file cannot both be - (stdin)")
    describe = _document(args.describe_file, "--describe-file", model.GCLOUD_DESCRIBE)
    policy = _document(args.iam_policy_file, "--iam-policy-file", model.GCLOUD_GET_POLICY)
    region = None if args.region is None else _region(args.region)
    report = verify.verify(key, email, describe, policy, region)
    if args.format == "json":
        print(json.dumps(verify.to_dict(report), indent=2))
    else:
        print(verify.render_text(report), end="")
    return EXIT_OK if report.valid else EXIT_CHECK_FAILED


def _principal_and_key(principal: str | None, key: str | None, key_flag: str = "--key"):
    if principal is None:
        raise InputError(
            "--principal: required with --cloud gcp: the service's "
            f"{model.ENCRYPTION_SERVICE_ACCOUNT_CONSOLE_FIELD}, like "
            f"{model.EXAMPLE_GCP_SERVICE_ACCOUNT}"
        )
    if key is None:
        raise InputError(
            f"{key_flag}: required with --cloud gcp, like {model.EXAMPLE_GCP_KEY_PATH}"
        )
    return values.service_account(principal, "--principal"), values.key_path(key, key_flag)


def _region(value: str) -> str:
    import re

    if not re.fullmatch(model.GCP_LOCATION_PATTERN, value):
        raise InputError(
            f"--region {quote(value)}: expected a Google Cloud region like "
            f"{model.EXAMPLE_GCP_LOCATION}"
        )
    return value


def _document(path: str, flag: str, printed_by: str) -> dict[str, Any]:
    """A JSON object from a file or stdin; anything else is bad input naming the flag."""
    expected = f"expected the JSON object `{printed_by} KEY {model.GCLOUD_JSON_FORMAT}` prints"
    try:
        if path == "-":
            text = sys.stdin.read(model.GCP_DOCUMENT_MAX_BYTES + 1)
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(model.GCP_DOCUMENT_MAX_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise InputError(f"{flag} {quote(path)}: cannot read it ({reason}); {expected}") from None
    if len(text) > model.GCP_DOCUMENT_MAX_BYTES:
        raise InputError(
            f"{flag} {quote(path)}: over {model.GCP_DOCUMENT_MAX_BYTES} bytes; {expected}"
        )
    try:
        doc = json.loads(text)
    except ValueError:
        raise InputError(f"{flag} {quote(path)}: not JSON; {expected}") from None
    if not isinstance(doc, dict):
        raise InputError(f"{flag} {quote(path)}: not a JSON object; {expected}")
    return doc
