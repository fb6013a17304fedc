"""The key-policy statement a customer pastes in the console (the guide's manual path, Step 1)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from cmek import model

if TYPE_CHECKING:
    from cmek.config import Config


def render(config: Config) -> str:
    return statement(config.profile, config.principal)


def statement(profile: model.Profile, principal: str) -> str:
    """The profile's key-policy grant to `principal` as the console takes it.

    The same statement as `policies.clickhouse_key_statement` (tests/test_cli.py compares them),
    written from the model's data as plain JSON: importing awacs was a third of `cmek snippet`'s
    start-up. The console path adds a single statement; a one-element Resource reads best as the
    scalar, and the guide's key order (Sid first) reads best for a human pasting it.
    """
    grant = {
        "Sid": profile.key_policy_sid,
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": list(profile.actions),
        "Resource": "*",
    }
    return json.dumps(grant, indent=2) + "\n"


def artifacts(config: Config) -> dict[str, str]:
    """v1's statement (legacy, under its published name) and v2's with the role's placeholder."""
    import dataclasses

    v2 = dataclasses.replace(config, profile=model.V2, principal=model.ROLE_PLACEHOLDER)
    return {model.SNIPPET_FILE: render(config), model.SNIPPET_V2_FILE: render(v2)}
