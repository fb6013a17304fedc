"""`cmek revoke`: take a ClickHouse role out of an existing key policy, safely.

Cleans up after CMEK v1 (`cmek revoke --cmek-version v1`): v1 ended on model.CMEK_V1_END_DATE and
ClickHouse no longer uses its shared role, so a grant to it is a leftover. Same sources, output,
`--apply` checks and backup as `cmek grant` (cmek/commands/grant.py holds the shared flow); the
edit is `key_policy.revoke`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cmek import model
from cmek.commands import add_cmek_version_arguments, grant

if TYPE_CHECKING:
    from cmek.key_policy.apply import Hook


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_cmek_version_arguments(
        parser,
        version="whose role to remove (default v2; v1 removes a leftover v1 grant)",
        principal=f"IAM role ARN to remove (v2: required; v1 default: {model.V1.principal})",
    )
    grant.add_source_arguments(parser)


def run(args: argparse.Namespace, before_write: Hook | None = None) -> int:
    from cmek.key_policy import edit as key_policy

    return grant.execute(args, key_policy.revoke, before_write)
