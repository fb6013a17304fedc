"""The `cmek` subcommands: one module each, found by name, so adding a command is adding a file.

A command module defines:

- `NAME`: the subcommand (`"verify-key"`), and `HELP`: one line for `cmek --help`;
- `ORDER`: where it stands in `cmek --help` (lower first);
- `add_arguments(parser)`: its flags (argparse);
- `run(args) -> int`: the exit code (see cmek.errors). Bad input raises `InputError`, a
  failure of the tool raises `ToolError`; the CLI prints either as one line.

Heavy libraries (troposphere, cfn-lint, boto3) are imported inside `run`, so `cmek --help` stays
fast. Commands do I/O (arguments, files, stdout, AWS); the work happens in pure modules. Flags that
several commands take (`--config`, `--endpoint-url`) are defined and checked once, below.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType


def discover() -> list[ModuleType]:
    """Every command module of this package, in `ORDER`."""
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]
    return sorted(modules, key=lambda m: (m.ORDER, m.NAME))


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        help="TOML file: profile, principal, template_url_base, regions (all optional)",
    )


def add_profile_arguments(parser: argparse.ArgumentParser, profile: str, principal: str) -> None:
    """`--profile` and `--principal`, with the command's own help texts."""
    from cmek import model

    parser.add_argument("--profile", choices=sorted(model.PROFILES), default=None, help=profile)
    parser.add_argument("--principal", default=None, help=principal)


def load_config(args: argparse.Namespace):
    """The validated config of `--config` (defaults without it)."""
    from cmek import config
    from cmek.errors import InputError

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

    from cmek.errors import InputError, quote

    if value is not None and not re.fullmatch(r"https?://[^\s/?#]+(/\S*)?", value):
        raise InputError(f"--endpoint-url {quote(value)}: expected an http(s) URL")
    return value
