"""`cmek links`: the quick-create console links, optionally pre-filled for one customer."""

from __future__ import annotations

import argparse

from generator.commands import add_config_argument, load_config
from generator.errors import EXIT_OK, InputError

NAME = "links"
HELP = "print the quick-create console links"
ORDER = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
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

    from generator import model, validate
    from generator.render import links

    config = load_config(args)
    if args.region:
        unknown = sorted(set(args.region) - set(config.regions))
        if unknown:
            raise InputError(
                f"--region {unknown[0]!r}: expected a commercial region where CloudFormation runs"
            )
        config = dataclasses.replace(config, regions=tuple(sorted(set(args.region))))
    stack_name = validate.stack_name(args.stack_name or model.DEFAULT_STACK_NAME, "--stack-name")
    key_arns = [arn for value in args.key_arn for arn in value.split(",")]
    if args.key_arn:
        validate.key_arns(key_arns, "--key-arn")
    external_id = validate.external_id(args.external_id, "--external-id")
    inputs = links.StackInputs(stack_name, tuple(key_arns), external_id)
    if args.format == "json":
        print(json.dumps(links.document(config, inputs), indent=2, sort_keys=True))
    else:
        for link in links.links(config, inputs):
            print(f"{link.region}\t{link.template}\t{link.mode}\t{link.url}")
    return EXIT_OK
