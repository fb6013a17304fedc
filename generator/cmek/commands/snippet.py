"""`cmek snippet`: the key-policy statement for the console path (paste into the key policy).

v2 by default, as ClickHouse runs CMEK today: the statement names the service's own encryption role,
so `--principal` is required for it. v1 (legacy) is chosen with `--cmek-version v1` or by a config
file that names its profile.
"""

from __future__ import annotations

import argparse
import sys

from cmek.commands import (
    add_aws_profile_argument,
    add_cmek_version_arguments,
    add_config_argument,
    cmek_version,
    load_config,
    missing_role,
    use_aws_profile,
)
from cmek.errors import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    add_cmek_version_arguments(
        parser,
        version="whose statement (default: the config file's profile, else v2)",
        principal="the role to grant: v2 your service's encryption role ARN (required); "
        "v1 defaults to ClickHouse's shared role; with --cloud gcp the service's encryption "
        "service account e-mail",
    )
    add_aws_profile_argument(parser, calls_aws=False)
    _add_gcp_arguments(parser)


def _add_gcp_arguments(parser: argparse.ArgumentParser) -> None:
    """`--cloud` and, for GCP, the key path (cmek.gcp.command does the rest)."""
    from cmek.gcp import command

    parser.add_argument("--cloud", choices=command.CLOUDS, default="aws", help=command.CLOUD_HELP)
    parser.add_argument("--key", help="with --cloud gcp: the key's resource path (required)")


def run(args: argparse.Namespace) -> int:
    if args.cloud == "gcp":
        from cmek.gcp import command

        return command.snippet(args)
    from cmek import contract
    from cmek.render import snippet

    use_aws_profile(args, calls_aws=False)
    config = load_config(args)
    profile = cmek_version(args, config.profile.name if config.profile_chosen else None)
    if args.principal is not None:
        principal = contract.check_principal(profile, args.principal, "--principal")
    else:
        principal = contract.principal_for(profile, config)
    if principal is None:
        raise missing_role()
    sys.stdout.write(snippet.statement(profile, principal))
    return EXIT_OK
