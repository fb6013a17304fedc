"""`cmek grant`: add ClickHouse's statement to an existing key policy, safely.

Works on a policy file (`-` for stdin; the new policy on stdout, a summary on stderr) or on a live
key (`--key-arn`: GetKeyPolicy, a unified diff on stdout, PutKeyPolicy only with `--apply`).
`cmek revoke` shares this module's flow (`execute`); the edits themselves are pure functions in
cmek/key_policy/edit.py, and the write is cmek/key_policy/apply.py.

With `--apply` the policy is read again just before PutKeyPolicy: if it changed since it was read,
nothing is written and the command fails with exit 3 (the tool could not do its job safely; running
it again starts from the new policy). The previous policy is saved first, as
`<key-id>.policy.<UTC time>.json` in `--backup-dir`, and the restore command is printed.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmek import model
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
from cmek.errors import EXIT_OK, InputError, quote

if TYPE_CHECKING:
    from cmek.key_policy.apply import Hook


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_cmek_version_arguments(
        parser,
        version="whose statement to add (default v2)",
        principal="IAM role ARN to grant (v2: your service's encryption role, required; "
        f"v1: default {model.V1.principal})",
    )
    add_source_arguments(parser)


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--policy-file", help="key policy JSON file, or - for stdin")
    source.add_argument("--key-arn", help="the KMS key whose policy to read (and change)")
    parser.add_argument("--region", help="default: the key ARN's region")
    add_aws_profile_argument(parser)
    add_endpoint_argument(parser, "KMS")
    parser.add_argument(
        "--apply", action="store_true", help="with --key-arn: write the new policy to the key"
    )
    parser.add_argument(
        "--backup-dir",
        type=Path,
        help="with --apply: where the previous policy is saved (default: current directory)",
    )


def run(args: argparse.Namespace, before_write: Hook | None = None) -> int:
    from cmek.key_policy import edit as key_policy

    return execute(args, key_policy.grant, before_write)


# --- The shared flow (grant and revoke) ----------------------------------------------------------


def execute(
    args: argparse.Namespace, operation: Callable[..., Any], before_write: Hook | None
) -> int:
    from cmek.key_policy import edit as key_policy

    check_profile_spelling(args)
    profile = cmek_version(args)
    if args.policy_file is not None:
        live_only = [
            f
            for f in ("apply", "region", "profile", "endpoint_url", "backup_dir")
            if getattr(args, f)
        ]
        if live_only:
            flag = "--" + live_only[0].replace("_", "-")
            raise InputError(f"{flag} needs --key-arn (a policy file is printed, never applied)")
        text = read_policy_file(args.policy_file)
        policy = _load(text, "--policy-file")
        account = key_policy.key_account(policy)
        partition = key_policy.key_partition(policy)
        principal = _principal(
            args, profile, partition or key_policy.partition_of(args.principal or "")
        )
        _check(operation, profile, principal, account, partition)
        edit = operation(policy, profile, principal, account, text)
        sys.stdout.write(edit.text)
        _notes(edit.notes)
        return EXIT_OK
    return _live(args, profile, operation, before_write)


def _principal(args: argparse.Namespace, profile: model.Profile, partition: str) -> str:
    from cmek import validate

    if args.principal is None:
        if profile.principal is None:
            raise missing_role()
        return profile.principal
    if not re.fullmatch(model.ROLE_ARN_PATTERN, args.principal):
        raise InputError(
            f"--principal {quote(args.principal)}: expected an IAM role ARN like "
            f"{model.EXAMPLE_ROLE_ARN}"
        )
    return validate.role_arn(args.principal, "--principal", partition)


def _check(
    operation,
    profile: model.Profile,
    principal: str,
    account: str | None,
    partition: str | None,
) -> None:
    """Grant refuses the contract's known mistakes; revoke may take any role out (the fix)."""
    from cmek.key_policy import edit as key_policy

    if operation is key_policy.grant:
        try:
            key_policy.check_grantee(profile, principal, account, partition)
        except InputError as exc:
            raise exc.within("--principal") from None


def read_policy_file(name: str) -> str:
    """The file's text (stdin for `-`), bounded in size and UTF-8, or one-line `InputError`."""
    limit = model.POLICY_FILE_MAX_BYTES
    from cmek import reading

    try:
        if name == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            # A regular file only: a FIFO or a device would block or never end.
            data = reading.read_regular(Path(name), limit + 1)
    except (OSError, reading.Unreadable) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"--policy-file {quote(name)}: cannot read: {reason}") from None
    if len(data) > limit:
        raise InputError(f"--policy-file {quote(name)}: larger than {limit} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"--policy-file {quote(name)}: not UTF-8 text") from None


def _load(text: str, what: str) -> dict:
    from cmek import iam_policy

    try:
        return iam_policy.load(text)
    except InputError as exc:
        raise exc.within(what) from None


def _notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        print(note, file=sys.stderr)


# --- Live keys -----------------------------------------------------------------------------------


def _live(args, profile: model.Profile, operation, before_write: Hook | None) -> int:
    from cmek import aws, iam_policy, validate
    from cmek.key_policy import apply as key_policy_apply
    from cmek.key_policy import edit as key_policy

    key_arn = _key_arn(args.key_arn, validate)
    _region(args.region)
    check_endpoint(args.endpoint_url)
    if args.region is not None:
        validate.region(args.region, "--region", key_policy.partition_of(key_arn))
    if args.backup_dir is not None and not args.apply:
        raise InputError("--backup-dir needs --apply (a dry run writes nothing)")
    backup_dir = _backup_dir(args.backup_dir) if args.apply else None
    partition = key_policy.partition_of(key_arn)
    principal = _principal(args, profile, partition)
    account = iam_policy.account_of(key_arn)
    _check(operation, profile, principal, account, partition)
    use_aws_profile(args)
    kms = aws.client("kms", args.region or key_arn.split(":")[3], args.endpoint_url)
    text = aws.key_policy(kms, key_arn)
    policy = _load(text, f"key policy of {key_arn}")
    edit = operation(policy, profile, principal, account, text, key_arn=key_arn)
    _notes(edit.notes)
    if not edit.changed:
        return EXIT_OK
    sys.stdout.write(key_policy.diff(edit.before, edit.after, key_arn))
    if backup_dir is None:
        print("dry run: the key was not changed; add --apply to write this policy", file=sys.stderr)
        return EXIT_OK
    saved = key_policy_apply.apply_policy(kms, key_arn, text, edit.text, backup_dir, before_write)
    print(
        f"applied: the key policy of {key_arn} was replaced; the previous policy is in {saved}; "
        f"to restore it: {key_policy_apply.restore_command(key_arn, saved)}",
        file=sys.stderr,
    )
    return EXIT_OK


def _key_arn(value: str, validate) -> str:
    if len(value) > 2048 or not re.fullmatch(model.KEY_ARN_PATTERN, value):
        raise InputError(
            f"--key-arn {quote(value)}: expected a KMS key ARN like {model.EXAMPLE_KEY_ARN}"
        )
    return validate.key_arns([value], "--key-arn", value.split(":")[1])[0]


def _region(region: str | None) -> None:
    if region is not None and not re.fullmatch(model.REGION_PATTERN, region):
        raise InputError(f"--region {quote(region)}: expected a region like {model.EXAMPLE_REGION}")


def _backup_dir(value: Path | None) -> Path:
    from cmek import validate

    path = validate.path(value, "--backup-dir") if value is not None else Path.cwd()
    if not path.is_dir():
        raise InputError(f"--backup-dir {quote(path)}: not a directory")
    return path
