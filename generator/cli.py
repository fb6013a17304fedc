"""The `cmek` command line: argument parsing and I/O only; the work happens in pure modules.

Heavy libraries (troposphere, cfn-lint, boto3) are imported inside the commands that use them, so
`cmek --help` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from generator import __version__
from generator.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other bad input; argparse would print the usage block first.
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cmek",
        description=(
            "Generate, check and publish the CloudFormation stacks and Terraform modules that "
            "give ClickHouse Cloud access to a customer-managed AWS KMS key."
        ),
    )
    parser.add_argument("--version", action="version", version=f"cmek {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--config",
            type=Path,
            help="TOML file: profile, principal, template_url_base, regions (all optional)",
        )
        return p

    p = with_config(sub.add_parser("build", help="render every artifact into a dist directory"))
    p.add_argument("--out", type=Path, default=Path("dist"), help="output directory (dist)")

    p = with_config(sub.add_parser("check", help="lint and check a dist directory"))
    p.add_argument("dir", nargs="?", type=Path, default=Path("dist"), help="directory (dist)")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = with_config(sub.add_parser("links", help="print the quick-create console links"))
    p.add_argument("--region", action="append", help="only this region (repeatable)")
    p.add_argument("--stack-name", default=None, help="stack name to pre-fill")
    p.add_argument(
        "--key-arn",
        action="append",
        default=[],
        help="key ARN to pre-fill (repeatable, or comma separated)",
    )
    p.add_argument("--external-id", default="", help="external ID to pre-fill")
    p.add_argument("--format", choices=("text", "json"), default="text")

    with_config(sub.add_parser("snippet", help="print the key-policy statement for the console"))
    return parser


def run() -> NoReturn:
    """Console entry point: `main`, then exit without tearing the interpreter down.

    Freeing cfn-lint's schemas and rules object by object takes about 0.8 s, a quarter of a whole
    `cmek check`; the output is flushed first and the OS reclaims the memory at once (mypy's
    `hard_exit` does the same).
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except InputError as exc:
        print(f"cmek: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _config(args: argparse.Namespace):
    from generator import config

    return config.load(args.config)


def _build(args: argparse.Namespace) -> int:
    from generator import build

    files = build.artifacts(_config(args))
    build.write(files, args.out)
    print(f"wrote {len(files)} files to {args.out}")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    import json

    from generator import model
    from generator.checks import Dist, load_all, run_all

    config = _config(args)
    expected = f"expected a directory built by `cmek build` (with {model.MANIFEST_FILE})"
    try:
        is_dist = (args.dir / model.MANIFEST_FILE).is_file()
    except OSError as exc:
        raise InputError(f"DIR {str(args.dir)[:80]!r}: {exc.strerror}; {expected}") from None
    if not is_dist:
        raise InputError(f"DIR {str(args.dir)[:80]!r}: {expected}")
    findings = run_all(Dist(args.dir, config))
    checks = load_all()
    if args.format == "json":
        print(
            json.dumps(
                {
                    "checks": [
                        {"id": c.id, "description": c.description, "doc": c.doc}
                        for c in checks.values()
                    ],
                    "findings": [
                        {"id": f.check_id, "path": f.path, "message": f.message} for f in findings
                    ],
                },
                indent=2,
            )
        )
    else:
        for finding in findings:
            print(finding)
        print(f"{len(checks)} checks, {len(findings)} findings")
    return EXIT_CHECK_FAILED if findings else EXIT_OK


def _links(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from generator import model
    from generator.render import links

    config = _config(args)
    if args.region:
        unknown = sorted(set(args.region) - set(config.regions))
        if unknown:
            raise InputError(
                f"--region {unknown[0]!r}: expected a commercial region where CloudFormation runs"
            )
        config = dataclasses.replace(config, regions=tuple(sorted(set(args.region))))
    key_arns = tuple(arn for value in args.key_arn for arn in value.split(","))
    inputs = links.StackInputs(
        stack_name=args.stack_name or model.DEFAULT_STACK_NAME,
        key_arns=key_arns,
        external_id=args.external_id,
    )
    if args.format == "json":
        print(json.dumps(links.document(config, inputs), indent=2, sort_keys=True))
    else:
        for link in links.links(config, inputs):
            print(f"{link.region}\t{link.template}\t{link.mode}\t{link.url}")
    return EXIT_OK


def _snippet(args: argparse.Namespace) -> int:
    from generator.render import snippet

    sys.stdout.write(snippet.render(_config(args)))
    return EXIT_OK


_COMMANDS = {"build": _build, "check": _check, "links": _links, "snippet": _snippet}
