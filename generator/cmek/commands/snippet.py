"""`cmek snippet`: the key-policy statement for the console path (paste into the key policy)."""

from __future__ import annotations

import argparse
import sys

from cmek import model
from cmek.commands import add_config_argument, add_profile_arguments, load_config
from cmek.errors import EXIT_OK, InputError

NAME = "snippet"
HELP = "print the key-policy statement for the console"
ORDER = 40


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    add_profile_arguments(
        parser,
        profile="whose statement (default: the config's profile, else v1)",
        principal="the role to grant: for v2 the service's Encryption role ID (required); "
        "with --cloud gcp the service's encryption service account e-mail",
    )
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
    import dataclasses

    from cmek import profiles
    from cmek.render import snippet

    config = load_config(args)
    profile = model.PROFILES[args.profile] if args.profile else config.profile
    if args.principal is not None:
        principal = profiles.check_principal(profile, args.principal, "--principal")
    elif profile == config.profile:
        principal = config.principal
    elif profile.principal is not None:
        principal = profile.principal
    else:
        raise InputError(
            f"--profile {profile.name}: give --principal, the service's Encryption role ID "
            f"(an IAM role ARN like {model.EXAMPLE_ROLE_ARN})"
        )
    config = dataclasses.replace(config, profile=profile, principal=principal)
    sys.stdout.write(snippet.render(config))
    return EXIT_OK
