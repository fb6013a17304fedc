"""The launch page's Google Cloud section: the data its script fills in, and the defaults shown.

The gcloud commands are `cmek.gcp.snippet.render`'s text (what `cmek snippet --cloud gcp` prints)
and the module blocks come from the same block writer as the AWS one. Each is rendered once with
sentinel values and cut into text and named slots; the script puts the typed e-mail and key path
(or the model's placeholders) into the slots, so the page shows the CLI's bytes for the same
inputs (a value the model's patterns accept needs no shell quoting and no JSON escaping, so the
CLI writes it as is). The patterns travel to the script as the model states them, so the page
refuses what the CLI refuses.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cmek import model
from cmek.gcp import snippet
from cmek.render.page import module_block, published_module_source

if TYPE_CHECKING:
    from cmek.config import Config

V = model.GcpTfVar
# Slot name -> the sentinel rendered in its place: shell- and HCL-safe, unique, never in a text.
_PARTS = {
    "project": "cmek-slot-project",
    "location": "cmek-slot-location",
    "keyRing": "cmek-slot-key-ring",
    "keyName": "cmek-slot-key-name",
}
SENTINELS: dict[str, str] = {
    "key": model.GCP_KEY_PATH_FORM.format(
        project=_PARTS["project"],
        location=_PARTS["location"],
        key_ring=_PARTS["keyRing"],
        key=_PARTS["keyName"],
    ),
    "principal": "cmek-slot-principal@cmek-slot.iam.gserviceaccount.com",
    **_PARTS,
}
# Where each part of a key path sits once split on "/" (the form's placeholders' positions).
PART_INDEX: dict[str, int] = {
    slot: model.GCP_KEY_PATH_FORM.split("/").index("{" + field + "}")
    for slot, field in zip(_PARTS, ("project", "location", "key_ring", "key"), strict=True)
}


def slots(text: str) -> list[str]:
    """`text` as [text, slot, text, slot, ..., text]: the script joins it back with values."""
    by_sentinel = {sentinel: name for name, sentinel in SENTINELS.items()}
    alternatives = sorted(by_sentinel, key=len, reverse=True)
    pieces = re.split("(" + "|".join(map(re.escape, alternatives)) + ")", text)
    parts = [by_sentinel[p] if i % 2 else p for i, p in enumerate(pieces)]
    if any("cmek-slot" in p for p in parts[::2]):
        raise ValueError(f"a sentinel is left in {text!r}")
    return parts


def slot_values(email: str, key_path: str) -> dict[str, str]:
    """Every slot's value for one e-mail and key path (what the script computes too)."""
    segments = key_path.split("/")
    return {
        "principal": email,
        "key": key_path,
        **{slot: segments[index] for slot, index in PART_INDEX.items()},
    }


def fill(parts: list[str], values: dict[str, str]) -> str:
    return "".join(values[p] if i % 2 else p for i, p in enumerate(parts))


def _texts(config: Config) -> dict[str, str]:
    """Each block rendered with the sentinels in the slots."""
    s = SENTINELS
    grant = {
        "source": published_module_source(config, model.GcpTfModule.GRANT),
        V.CRYPTO_KEY_ID.value: s["key"],
        V.SERVICE_ACCOUNT_EMAIL.value: s["principal"],
    }
    key = {
        "source": published_module_source(config, model.GcpTfModule.KEY),
        V.PROJECT_ID.value: s["project"],
        V.LOCATION.value: s["location"],
        V.KEY_RING_NAME.value: s["keyRing"],
        V.KEY_NAME.value: s["keyName"],
        V.SERVICE_ACCOUNT_EMAIL.value: s["principal"],
    }
    return {
        "commands": snippet.render(s["key"], s["principal"]),
        "grant": module_block(grant),
        "key": module_block(key),
    }


def data(config: Config) -> dict[str, Any]:
    """What the script needs: patterns, words for its messages, placeholders and the blocks."""
    local, domain = model.GCP_SERVICE_ACCOUNT_PATTERN.split("@", 1)
    return {
        "emailPattern": model.GCP_SERVICE_ACCOUNT_PATTERN,
        "emailLocalPattern": local,
        "emailDomainPattern": domain,
        "keyPathPattern": model.GCP_KEY_PATH_PATTERN,
        "keyPathForm": model.GCP_KEY_PATH_FORM.split("/"),
        "projectPattern": model.GCP_PROJECT_PATTERN,
        "locationPattern": model.GCP_LOCATION_PATTERN,
        "namePattern": model.GCP_KMS_NAME_PATTERN,
        "memberPrefix": model.GCP_MEMBER_PREFIX,
        "exampleEmail": model.EXAMPLE_GCP_SERVICE_ACCOUNT,
        "exampleKeyPath": model.EXAMPLE_GCP_KEY_PATH,
        "exampleLocation": model.EXAMPLE_GCP_LOCATION,
        "field": model.ENCRYPTION_SERVICE_ACCOUNT_CONSOLE_FIELD,
        "place": model.ENCRYPTION_PRINCIPAL_CONSOLE_PLACE,
        "emailPlaceholder": model.GCP_SERVICE_ACCOUNT_PLACEHOLDER,
        "keyPathPlaceholder": model.GCP_KEY_PATH_PLACEHOLDER,
        "partIndex": PART_INDEX,
        "blocks": {name: slots(text) for name, text in _texts(config).items()},
    }


def section(gcp_data: dict[str, Any]) -> dict[str, Any]:
    """The server-rendered state: every block with the placeholders, and the words around it."""
    defaults = slot_values(model.GCP_SERVICE_ACCOUNT_PLACEHOLDER, model.GCP_KEY_PATH_PLACEHOLDER)
    return {
        "blocks": {name: fill(parts, defaults) for name, parts in gcp_data["blocks"].items()},
        "field": model.ENCRYPTION_SERVICE_ACCOUNT_CONSOLE_FIELD,
        "place": model.ENCRYPTION_PRINCIPAL_CONSOLE_PLACE,
        "key_section": model.KEY_CONSOLE_SECTION,
        "example_email": model.EXAMPLE_GCP_SERVICE_ACCOUNT,
        "example_key_path": model.EXAMPLE_GCP_KEY_PATH,
        "location_rule": model.GCP_KEY_LOCATION_RULE,
        "roles": {role: model.GCP_ROLE_TITLES[role] for role in model.GCP_ROLES},
        "iam_member_resource": model.GOOGLE_KMS_IAM_MEMBER_RESOURCE,
        "grant_readme": f"{model.GcpTfModule.GRANT.path}/README.md",
        "key_readme": f"{model.GcpTfModule.KEY.path}/README.md",
        "policy_module": model.GcpTfModule.POLICY.value,
        "describe": model.GCLOUD_DESCRIBE,
        "get_policy": model.GCLOUD_GET_POLICY,
        "json_format": model.GCLOUD_JSON_FORMAT,
    }
