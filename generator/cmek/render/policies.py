"""IAM and key-policy documents as awacs objects.

Principals and resources are arguments, so the same statement serves a template (a `Ref` to a
parameter) and the console snippet (a literal ARN).
"""

from __future__ import annotations

from typing import Any

from awacs.aws import Action, Allow, Condition, PolicyDocument, Principal, Statement, StringEquals

from cmek import model


def actions(names: tuple[str, ...]) -> list[Action]:
    return [Action(*name.split(":", 1)) for name in names]


def document(*statements: Statement) -> PolicyDocument:
    return PolicyDocument(Version=model.POLICY_VERSION, Statement=list(statements))


def trust_statement(principal: Any, external_id: Any = None) -> Statement:
    """ClickHouse's principal may assume the role, with the external ID when one is given."""
    statement: dict[str, Any] = {
        "Sid": model.TRUST_POLICY_SID,
        "Effect": Allow,
        "Principal": Principal("AWS", principal),
        "Action": actions((model.ASSUME_ROLE_ACTION,)),
    }
    if external_id is not None:
        statement["Condition"] = Condition(
            StringEquals(model.EXTERNAL_ID_CONDITION_KEY, external_id)
        )
    return Statement(**statement)


def role_statement(profile: model.Profile, key_arns: Any) -> Statement:
    """The role's grant: the profile's actions on exactly the given keys, never "*"."""
    return Statement(
        Sid=model.ROLE_POLICY_SID,
        Effect=Allow,
        Action=actions(profile.actions),
        Resource=key_arns,
    )


def account_root_statement(root_arn: Any) -> Statement:
    # Without this statement nobody in the account could manage the key again.
    return Statement(
        Sid=model.KEY_POLICY_ROOT_SID,
        Effect=Allow,
        Principal=Principal("AWS", root_arn),
        Action=actions((model.KMS_ALL_ACTIONS,)),
        Resource=["*"],
    )


def clickhouse_key_statement(profile: model.Profile, principal: Any) -> Statement:
    """The profile's key-policy grant under the profile's own Sid, so a key moving from v1 to v2
    holds both statements and each can be added or dropped alone (templates, `cmek grant`)."""
    # In a key policy "*" means this key and nothing else.
    return Statement(
        Sid=profile.key_policy_sid,
        Effect=Allow,
        Principal=Principal("AWS", principal),
        Action=actions(profile.actions),
        Resource=["*"],
    )
