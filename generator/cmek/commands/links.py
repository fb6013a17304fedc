"""`cmek links`: the quick-create console links, optionally pre-filled for one customer."""

from __future__ import annotations

import argparse

from cmek import model
from cmek.commands import add_config_argument, add_profile_arguments, load_config
from cmek.errors import EXIT_OK, InputError, quote

NAME = "links"
HELP = "print the quick-create console links"
ORDER = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    add_profile_arguments(
        parser,
        profile="only this profile's templates (default: all)",
        principal="with --profile v2: the service's Encryption role ID to pre-fill; "
        "with --profile v1: the ClickHouse role to pre-fill",
    )
    parser.add_argument("--region", action="append", help="only this region (repeatable)")
    parser.add_argument("--stack-name", default=None, help="stack name to pre-fill")
    parser.add_argument(
        "--key-arn",
        action="append",
        default=[],
        help="key ARN to pre-fill (repeatable, or comma separated)",
    )
    parser.add_argument("--external-id", default="", help="external ID to pre-fill")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from cmek import validate
    from cmek.render import links

    config = load_config(args)
    if args.region:
        unknown = sorted(set(args.region) - set(config.regions))
        if unknown:
            raise InputError(
                f"--region {quote(unknown[0])}: expected a commercial region where "
                "CloudFormation runs"
            )
        config = dataclasses.replace(config, regions=tuple(sorted(set(args.region))))
    profile = model.PROFILES[args.profile] if args.profile else None
    config, role = _principal(args.principal, profile, config)
    stack_name = validate.stack_name(
        model.DEFAULT_STACK_NAME if args.stack_name is None else args.stack_name, "--stack-name"
    )
    key_arns = [arn for value in args.key_arn for arn in value.split(",")]
    if args.key_arn:
        validate.key_arns(key_arns, "--key-arn")
    external_id = validate.external_id(args.external_id, "--external-id")
    inputs = links.StackInputs(stack_name, tuple(key_arns), external_id, role)
    if args.format == "json":
        print(json.dumps(links.document(config, inputs, profile), indent=2, sort_keys=True))
    else:
        print(links.layout_comment(config))
        for link in links.links(config, inputs, profile):
            print(f"{link.region}\t{link.template}\t{link.mode}\t{link.url}")
    return EXIT_OK


def _principal(value: str | None, profile: model.Profile | None, config):
    """(config, v2 role to pre-fill): `--principal` belongs to `--profile`, and must not be one of
    the copy mistakes (the v1 role as v2's, the v1 role in another account)."""
    import dataclasses

    from cmek import profiles

    if value is None:
        return config, ""
    if profile is None:
        raise InputError(
            f"--principal {quote(value)}: give --profile too "
            f"({' or '.join(sorted(model.PROFILES))}: whose principal it is)"
        )
    profiles.check_principal(profile, value, "--principal")
    if profile.principal is None:
        return config, value
    return dataclasses.replace(config, profile=profile, principal=value), ""
