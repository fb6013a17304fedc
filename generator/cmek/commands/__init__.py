"""The `cmek` subcommands: one module each, listed by name in `COMMANDS`.

The list is fixed and explicit, with each command's help line, so `cmek --help` imports no command
module and `cmek NAME` imports only NAME's (discovering modules imported all ten on every run);
tests/test_cli.py proves every module of this package is listed. A command module defines:

- `add_arguments(parser)`: its flags (argparse);
- `run(args) -> int`: the exit code (see cmek.errors). Bad input raises `InputError`, a
  failure of the tool raises `ToolError`; the CLI prints either as one line.

Heavy libraries (troposphere, cfn-lint, boto3) are imported inside `run`, so `cmek --help` stays
fast. Commands do I/O (arguments, files, stdout, AWS); the work happens in pure modules. Flags that
several commands take (`--config`, `--cmek-version`, `--profile`, `--endpoint-url`) are defined and
checked once, below. `--profile` means what it means to every AWS tool, the named credentials
profile; ClickHouse's contract version is `--cmek-version`.
"""

from __future__ import annotations

import argparse
import importlib
from typing import TYPE_CHECKING

from cmek.errors import InputError, quote

if TYPE_CHECKING:
    from types import ModuleType

    from cmek.model import Profile

# Subcommand -> (its module in this package, its line in `cmek --help`), in `cmek --help`'s order.
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("build", "render every artifact into a dist directory"),
    "check": ("check", "lint and check a dist directory"),
    "links": (
        "links",
        "print the quick-create console links (v2 by default, where ClickHouse Cloud runs)",
    ),
    "publish": (
        "publish",
        "upload a build to S3: versioned, immutable, verified; then the stable paths",
    ),
    "snippet": (
        "snippet",
        "print the key-policy statement to paste into a key policy (v2 by default)",
    ),
    "verify-key": (
        "verify_key",
        "check a KMS key against what ClickHouse documents (state, spec, the role's grants in the "
        "key policy), and say what to change; not ClickHouse's own check",
    ),
    "grant": (
        "grant",
        "grant ClickHouse's role (v2 by default) its actions in a key policy (file or live key)",
    ),
    "revoke": (
        "revoke",
        "remove a ClickHouse role from a key policy (file or live key); --cmek-version v1 for v1",
    ),
    "audit": (
        "audit",
        "list every KMS key and role through which ClickHouse can use a key, with the fixes",
    ),
}


def load(name: str) -> ModuleType:
    """The module of the command `name` (a key of `COMMANDS`), imported now."""
    return importlib.import_module(f"{__name__}.{COMMANDS[name][0]}")


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    from pathlib import Path

    parser.add_argument(
        "--config",
        type=Path,
        help="TOML file: profile, principal, template_url_base, regions (all optional)",
    )


def add_cmek_version_arguments(
    parser: argparse.ArgumentParser, version: str, principal: str
) -> None:
    """`--cmek-version` and `--principal`, with the command's own help texts; the command applies
    the default (`cmek_version`), v2, so that a missing role is its own clear line."""
    from cmek import model

    parser.add_argument(
        "--cmek-version",
        choices=[model.V2.name, model.V1.name],
        default=None,
        help=f"{version} ({model.V1.name} is legacy: ClickHouse ended it on "
        f"{model.CMEK_V1_END_DATE})",
    )
    parser.add_argument("--principal", default=None, help=principal)


def cmek_version(args: argparse.Namespace, default: str | None = None) -> Profile:
    """The profile `--cmek-version` names, else `default` (a profile name), else v2."""
    from cmek import model

    return model.PROFILES[args.cmek_version or default or model.CURRENT_PROFILE]


def missing_role() -> InputError:
    """The line for v2 without its role: what it is and where ClickHouse shows it."""
    from cmek import model

    return InputError(
        f"--principal: {model.V2.name} needs your service's encryption role ARN, shown as "
        f"{model.ENCRYPTION_ROLE_WHERE} (one per service), like {model.EXAMPLE_ROLE_ARN}"
    )


def add_aws_profile_argument(parser: argparse.ArgumentParser, calls_aws: bool = True) -> None:
    """`--profile NAME`, the AWS named profile, as every AWS tool spells it. A command that calls
    no AWS API keeps the flag hidden, only to answer the old `--profile v1|v2` spelling."""
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=None,
        help="AWS named profile for credentials and region, as the AWS CLI's --profile "
        "(default: AWS_PROFILE, then the standard credential chain)"
        if calls_aws
        else argparse.SUPPRESS,
    )


def check_profile_spelling(args: argparse.Namespace) -> None:
    """`--profile v1` / `--profile v2` was the CMEK version before it was `--cmek-version`: one
    line says what to type now, instead of a confusing "AWS profile not found"."""
    from cmek import model

    if args.profile in model.PROFILES:
        raise InputError(
            f"--profile {args.profile}: --profile is now the AWS credentials profile; for CMEK "
            f"{args.profile} type --cmek-version {args.profile}"
        )


def use_aws_profile(args: argparse.Namespace, calls_aws: bool = True) -> None:
    """Check `--profile` and choose it for every AWS client of this run (cmek.aws.session)."""
    from cmek import aws

    check_profile_spelling(args)
    name = args.profile
    if not calls_aws:
        if name is not None:
            raise InputError(f"--profile {quote(name)}: this command calls no AWS API")
        return
    if name is not None and not name.strip():
        raise InputError(f"--profile {quote(name)}: expected the name of an AWS profile")
    aws.use_profile(name)


def load_config(args: argparse.Namespace):
    """The validated config of `--config` (defaults without it)."""
    from cmek import config

    try:
        return config.load(args.config)
    except InputError as exc:
        raise exc.within("--config") from None


def add_endpoint_argument(parser: argparse.ArgumentParser, services: str) -> None:
    """`--endpoint-url`, the same flag in every command that calls AWS (`services` says which)."""
    parser.add_argument(
        "--endpoint-url", help=f"{services} endpoint (a VPC endpoint, a compatible store, moto)"
    )


def check_endpoint(value: str | None) -> str | None:
    """The `--endpoint-url` value if it is an http(s) URL (None: AWS's own endpoints).

    Checked before boto3 sees it: botocore's own refusal is a ValueError, not one line of input.
    """
    import re

    if value is not None and not re.fullmatch(r"https?://[^\s/?#]+(/\S*)?", value):
        raise InputError(f"--endpoint-url {quote(value)}: expected an http(s) URL")
    return value
