"""The key-policy statement a customer pastes in the console (the guide's manual path, Step 1)."""

from __future__ import annotations

import json

from cmek import model
from cmek.config import Config
from cmek.render import policies


def render(config: Config) -> str:
    awacs_statement = policies.clickhouse_key_statement(config.profile, config.principal)
    statement = json.loads(awacs_statement.to_json())
    # The console path adds a single statement; a one-element Resource reads best as the scalar,
    # and the guide's key order (Sid first) reads best for a human pasting it.
    statement["Resource"] = "*"
    order = ("Sid", "Effect", "Principal", "Action", "Resource")
    return json.dumps({key: statement[key] for key in order}, indent=2) + "\n"


def artifacts(config: Config) -> dict[str, str]:
    """v1's statement (legacy, under its published name) and v2's with the role's placeholder."""
    import dataclasses

    v2 = dataclasses.replace(config, profile=model.V2, principal=model.ROLE_PLACEHOLDER)
    return {model.SNIPPET_FILE: render(config), model.SNIPPET_V2_FILE: render(v2)}
