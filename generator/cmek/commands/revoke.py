"""`cmek revoke`: take a ClickHouse role out of an existing key policy, safely.

The last step of the v1 to v2 migration (`cmek revoke --profile v1`), after ClickHouse has moved
the service to the v2 role. Same sources, output, `--apply` checks and backup as `cmek grant`
(cmek/commands/grant.py holds the shared flow); the edit is `key_policy.revoke`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cmek import model
from cmek.commands import grant

if TYPE_CHECKING:
    from cmek.key_policy.apply import Hook

NAME = "revoke"
HELP = "remove a ClickHouse role from a key policy (file or live key)"
ORDER = 71


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile", required=True, choices=sorted(model.PROFILES), help="v1 (legacy) or v2"
    )
    parser.add_argument(
        "--principal",
        help=f"IAM role ARN to remove (v1 default: {model.V1.principal}; v2: required)",
    )
    grant.add_source_arguments(parser)


def run(args: argparse.Namespace, before_write: Hook | None = None) -> int:
    from cmek.key_policy import edit as key_policy

    return grant.execute(args, key_policy.revoke, before_write)
