"""`cmek snippet --cloud gcp`: the gcloud commands that grant the service account ClickHouse's
two roles on the key, and the same grant as IAM policy bindings (for a policy edited by hand)."""

from __future__ import annotations

import json
import shlex

from cmek import model
from cmek.gcp import values


def add_binding_command(key_path: str, email: str, role: str) -> str:
    """One `gcloud kms keys add-iam-policy-binding`, shell-quoted (it adds, removes nothing)."""
    words = [*model.GCLOUD_ADD_BINDING.split(), key_path]
    return shlex.join([*words, f"--member={values.member(email)}", f"--role={role}"])


def commands(key_path: str, email: str) -> list[str]:
    return [add_binding_command(key_path, email, role) for role in model.GCP_ROLES]


def bindings(email: str) -> dict[str, list[dict[str, object]]]:
    return {"bindings": [{"role": r, "members": [values.member(email)]} for r in model.GCP_ROLES]}


def render(key_path: str, email: str) -> str:
    """The commands, then the bindings as JSON: what the page and the docs show too."""
    lines = [
        "# Grant the service's encryption service account ClickHouse's two roles on the key:",
        *commands(key_path, email),
        "",
        "# Or add these bindings to the key's IAM policy (gcloud kms keys set-iam-policy):",
        json.dumps(bindings(email), indent=2),
    ]
    return "\n".join(lines) + "\n"
