"""`cmek links`: the quick-create console links, optionally pre-filled for one customer.

v2's by default (`--cmek-version v1` for the legacy templates), in the regions where ClickHouse
Cloud runs (model.link_regions); links.json in a build holds both versions.
"""

from __future__ import annotations

import argparse

from cmek import model
from cmek.commands import (
    add_aws_profile_argument,
    add_cmek_version_arguments,
    add_config_argument,
    cmek_version,
    load_config,
    use_aws_profile,
)
from cmek.errors import EXIT_OK, InputError, quote


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    add_cmek_version_arguments(
        parser,
        version="whose templates (default v2)",
        principal="v2: your service's encryption role ARN to pre-fill; "
        "v1: the ClickHouse role to pre-fill",
    )
    add_aws_profile_argument(parser, calls_aws=False)
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

    use_aws_profile(args, calls_aws=False)
    config = load_config(args)
    profile = cmek_version(args)
    if args.region:
        offered = model.link_regions(profile, config.regions)
        unknown = sorted(set(args.region) - set(offered))
        if unknown:
            where = (
                "CloudFormation runs"
                if profile.legacy
                else f"ClickHouse Cloud runs ({model.CLICKHOUSE_REGIONS_DOCS_URL})"
            )
            raise InputError(
                f"--region {quote(unknown[0])}: expected a commercial region where {where}"
            )
        config = dataclasses.replace(config, regions=tuple(sorted(set(args.region))))
    config, role = _principal(args.principal, profile, config)
    stack_name = validate.stack_name(
        model.DEFAULT_STACK_NAME if args.stack_name is None else args.stack_name, "--stack-name"
    )
    if not profile.legacy and (args.key_arn or args.external_id):
        flag = "--key-arn" if args.key_arn else "--external-id"
        raise InputError(
            f"{flag}: {profile.name}'s template creates its key and takes no external ID; "
            f"these pre-fill the legacy {model.V1.name} templates (--cmek-version {model.V1.name})"
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


def _principal(value: str | None, profile: model.Profile, config):
    """(config, v2 role to pre-fill): `--principal` belongs to `--cmek-version`, and must not be
    one of the copy mistakes (the v1 role as v2's, the v1 role in another account)."""
    import dataclasses

    from cmek import contract

    if value is None:
        return config, ""
    contract.check_principal(profile, value, "--principal")
    if profile.principal is None:
        return config, value
    return dataclasses.replace(config, profile=profile, principal=value), ""
