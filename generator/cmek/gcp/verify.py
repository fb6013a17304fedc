"""`cmek verify-key --cloud gcp`: is a Cloud KMS key usable by a ClickHouse service?

Judged from the two documents a customer prints with gcloud (no call to Google is made here):
`gcloud kms keys describe KEY --format=json` and `gcloud kms keys get-iam-policy KEY
--format=json`. Each check is one `Item`; a failed one carries the exact command that fixes it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from cmek import model
from cmek.gcp import snippet, values


@dataclass(frozen=True)
class Item:
    """One judged property: `ok` None means reported only (it does not decide the verdict)."""

    name: str
    ok: bool | None
    detail: str
    fixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    key_path: str
    member: str
    items: tuple[Item, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return all(item.ok is not False for item in self.items)


def _text(doc: dict[str, Any], *path: str) -> str | None:
    for key in path:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc if isinstance(doc, str) else None


def _key_items(key_path: str, describe: dict[str, Any], region: str | None) -> list[Item]:
    name = _text(describe, "name")
    items = [Item("key", name == key_path, f"describe names {name!r}, expected {key_path!r}")]
    purpose = _text(describe, "purpose")
    items.append(
        Item(
            "purpose",
            purpose == model.GCP_KEY_PURPOSE,
            f"{purpose}, expected {model.GCP_KEY_PURPOSE}",
        )
    )
    primary = describe.get("primary") if isinstance(describe.get("primary"), dict) else {}
    version, state = _text(primary, "name"), _text(primary, "state")
    fix = ()
    if version and state != model.GCP_KEY_VERSION_ENABLED:
        fix = (shlex.join(["gcloud", "kms", "keys", "versions", "enable", version]),)
    items.append(
        Item(
            "primary version",
            state == model.GCP_KEY_VERSION_ENABLED,
            f"{version or 'none'} is {state or 'missing'}, "
            f"expected {model.GCP_KEY_VERSION_ENABLED}",
            fix,
        )
    )
    algorithm = _text(primary, "algorithm") or _text(describe, "versionTemplate", "algorithm")
    items.append(
        Item(
            "algorithm",
            algorithm == model.GCP_KEY_ALGORITHM,
            f"{algorithm}, expected {model.GCP_KEY_ALGORITHM}",
        )
    )
    level = _text(primary, "protectionLevel") or _text(
        describe, "versionTemplate", "protectionLevel"
    )
    items.append(
        Item(
            "protection level",
            None,
            f"{level}: {model.GCP_PROTECTION_LEVELS.get(level or '', 'unknown')}",
        )
    )
    location = values.location_of(key_path)
    if region is None:
        items.append(Item("location", None, f"{location}: {model.GCP_KEY_LOCATION_RULE}"))
    else:
        items.append(
            Item("location", location == region, f"{location}, the service's region is {region}")
        )
    return items


def _bindings(policy: dict[str, Any], member: str) -> tuple[set[str], list[str]]:
    """(roles granted to `member` without a condition, descriptions of conditional ones)."""
    granted: set[str] = set()
    conditional: list[str] = []
    for binding in policy.get("bindings") or []:
        if not isinstance(binding, dict) or member not in (binding.get("members") or []):
            continue
        role = str(binding.get("role"))
        condition = binding.get("condition")
        if condition:
            title = condition.get("title") if isinstance(condition, dict) else None
            conditional.append(f"{role} (condition {title or condition!r})")
        else:
            granted.add(role)
    return granted, conditional


def _role_items(key_path: str, email: str, policy: dict[str, Any]) -> list[Item]:
    member = values.member(email)
    granted, conditional = _bindings(policy, member)
    if set(model.GCP_SPLIT_ROLES) <= granted:
        # Encrypter and Decrypter together hold exactly the combined role's permissions.
        granted.add(model.GCP_ENCRYPTER_DECRYPTER_ROLE)
    items = [
        Item(
            f"role {role}",
            role in granted,
            f"{'granted' if role in granted else 'not granted'} to {member} on the key",
            () if role in granted else (snippet.add_binding_command(key_path, email, role),),
        )
        for role in model.GCP_ROLES
    ]
    if conditional:
        items.append(
            Item("conditional bindings", None, "not counted as granted: " + "; ".join(conditional))
        )
    return items


def verify(
    key_path: str, email: str, describe: dict[str, Any], policy: dict[str, Any], region: str | None
) -> Report:
    items = [*_key_items(key_path, describe, region), *_role_items(key_path, email, policy)]
    return Report(key_path, values.member(email), tuple(items))


def render_text(report: Report) -> str:
    marks = {True: "ok  ", False: "FAIL", None: "info"}
    lines = [f"{marks[i.ok]} {i.name}: {i.detail}" for i in report.items]
    verdict = "usable" if report.valid else "NOT usable"
    lines.append(f"{report.key_path}: {verdict} by {report.member}")
    fixes = [fix for item in report.items if item.ok is False for fix in item.fixes]
    if fixes:
        lines += ["To fix:", *(f"  {fix}" for fix in fixes)]
    return "\n".join(lines) + "\n"


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "key": report.key_path,
        "member": report.member,
        "valid": report.valid,
        "checks": [
            {"name": i.name, "ok": i.ok, "detail": i.detail, "fixes": list(i.fixes)}
            for i in report.items
        ],
    }
