"""ClickHouse's CMEK contract as answers: every rule about whom a key grants what, written once.

`model/contract.py` holds the facts (principals, actions, Sids, each profile's capabilities); this
module answers the questions every renderer, check and command asks of them, so `cmek snippet`,
`links`, `grant`, `revoke`, `verify-key`, `audit`, the config loader and `cmek check` cannot
disagree: which principal a profile uses under a config, whether a principal is a known mistake
(the v1 role given as v2, the v1 role's name rebuilt in another account, a role of another
partition or of the key's own account), the account-root ARN, the `kms:ReEncrypt` typo (IAM action
names are case-insensitive), the profile's statement, and whether a statement applies to a key.

Pure: no I/O, no heavy import at module level (the statement's shape comes from render.policies,
imported where it is built, so it is the very shape every artifact carries).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from cmek import model, validate
from cmek.errors import InputError, quote

if TYPE_CHECKING:
    from cmek.config import Config

# `kms:ReEncrypt` not followed by `*`, `From` or `To`; in a text (the checks' scan) or as an action.
REENCRYPT_TYPO_RE = re.compile(rf"{re.escape(model.REENCRYPT_TYPO)}(?!\*|from|to)", re.IGNORECASE)


def account_root(partition: str, account: str) -> str:
    """The ARN that names a whole account in a policy (AWS's default key policy names the key's)."""
    return model.ACCOUNT_ROOT_ARN.format(partition=partition, account=account)


def partition_of(arn: str) -> str:
    """The partition an ARN names; the commercial one for anything that is not an ARN."""
    parts = arn.split(":")
    return parts[1] if len(parts) > 5 and parts[0] == "arn" else model.COMMERCIAL_PARTITION


def principal_for(profile: model.Profile, config: Config) -> str | None:
    """The principal `profile`'s artifacts name under `config`: the config's when the config is
    that profile's, else the profile's shared principal (None for a per-service role)."""
    if config.profile == profile:
        return config.principal
    return profile.principal


def shared_profile(principal: str) -> model.Profile | None:
    """The profile whose one shared principal this is (v1's role), None for any other."""
    return next((p for p in model.PROFILES.values() if p.principal == principal), None)


def per_service_profile() -> model.Profile:
    """The current profile, whose principal is each service's own role (v2)."""
    return model.PROFILES[model.CURRENT_PROFILE]


def _role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def principal_mistake(
    profile: model.Profile,
    principal: str,
    key_partition: str | None = None,
    key_account: str | None = None,
) -> str | None:
    """Why `principal` cannot be `profile`'s principal, or None when it may be.

    The mistakes customers really made: another profile's shared principal (the retired v1 role
    given as v2); ClickHouse's v1 role name rebuilt in any account but ClickHouse's (the customer's
    own, or a mistyped one); and, when the key is known, a role in another partition than the key's
    or in the key's own account (ClickHouse's roles live in ClickHouse's accounts).
    """
    parts = principal.split(":", 5)
    account = parts[4] if len(parts) == 6 else ""
    v1_name = _role_name(model.CLICKHOUSE_PRINCIPAL)
    if principal != model.CLICKHOUSE_PRINCIPAL and _role_name(principal) == v1_name:
        return (
            f"names ClickHouse's v1 role in account {account}; that role exists only in "
            f"ClickHouse's account {model.CLICKHOUSE_V1_ACCOUNT}"
        )
    other = shared_profile(principal)
    if other is not None and other != profile:
        return (
            f"is ClickHouse's retired {other.name} role; {profile.name} needs your service's "
            f"encryption role, shown as {model.ENCRYPTION_ROLE_WHERE}"
        )
    if key_partition and partition_of(principal) != key_partition:
        return f"is in partition {partition_of(principal)!r}; the key is in {key_partition!r}"
    if key_account and account == key_account:
        return (
            f"is in the key's own account {key_account}; ClickHouse's role lives in a "
            "ClickHouse account"
        )
    return None


def check_principal(
    profile: model.Profile,
    value: str,
    what: str,
    key_partition: str | None = None,
    key_account: str | None = None,
) -> str:
    """A valid role ARN (of the key's partition, else the commercial one) that is not a known
    mistake for `profile`; else one line of bad input naming `what`."""
    validate.role_arn(value, what, key_partition or model.COMMERCIAL_PARTITION)
    if reason := principal_mistake(profile, value, key_partition, key_account):
        raise InputError(f"{what} {quote(value)}: {reason}")
    return value


def listed_actions(statement: Mapping[str, Any]) -> list[str]:
    """A statement's Action element as a list (a single string is one action)."""
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else list(actions)


def reencrypt_typos(actions: Iterable[str]) -> tuple[str, ...]:
    """The actions that are the `kms:ReEncrypt` typo, in any case: not an action, grants nothing."""
    return tuple(a for a in actions if REENCRYPT_TYPO_RE.fullmatch(a))


def without_reencrypt_typo(actions: Iterable[str]) -> list[str]:
    """The actions with each typo replaced by what its author meant (`kms:ReEncrypt*`)."""
    fixed = [model.REENCRYPT_ACTIONS[0] if reencrypt_typos([a]) else a for a in actions]
    return list(dict.fromkeys(fixed))


def typo_note() -> str:
    """Why the typo matters, the same words everywhere it is reported."""
    return (
        f"{model.REENCRYPT_TYPO}, which is not an action and grants nothing; "
        f"{model.REENCRYPT_ACTIONS[0]} covers {' and '.join(model.REENCRYPT_COVERS)}"
    )


def statement(profile: model.Profile, principal: str) -> dict:
    """The profile's key-policy statement as data, in the shape every artifact uses
    (render.policies), under the profile's own Sid."""
    from cmek.render import policies

    built = json.loads(policies.clickhouse_key_statement(profile, principal).to_json())
    built["Sid"] = profile.key_policy_sid
    return {key: built[key] for key in ("Sid", "Effect", "Principal", "Action", "Resource")}


def applies_to_key(stmt: Mapping[str, Any], key_arn: str | None) -> bool:
    """Whether a key-policy statement speaks of this key: Resource `*` (in a key policy, "this
    key") or the key's own ARN. With the key unknown (a policy file) only `*` is sure to."""
    from cmek import iam_policy

    if "Resource" not in stmt:
        return False
    resources = stmt["Resource"]
    resources = [resources] if isinstance(resources, str) else list(resources)
    if iam_policy.ANY in resources:
        return True
    return key_arn is not None and any(iam_policy.resource_matches(r, key_arn) for r in resources)


def key_statements(policy: Mapping[str, Any], key_arn: str | None) -> dict:
    """The policy with only its Allow statements that apply to the key, and every Deny (a Deny
    that may reach the key must still count): what grants this key's access."""
    from cmek import iam_policy

    kept = [
        {**s, "Sid": iam_policy.label(s, i)}
        for i, s in enumerate(iam_policy.statements(policy))
        if s["Effect"] == iam_policy.DENY or applies_to_key(s, key_arn)
    ]
    return {**policy, "Statement": kept}
