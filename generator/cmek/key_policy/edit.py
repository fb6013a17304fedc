"""Pure edits of a KMS key policy: add or remove ClickHouse's grant, and nothing else.

KMS has no partial update (PutKeyPolicy replaces the whole document), so `cmek grant` and
`cmek revoke` rebuild the document themselves. Every statement they do not own is the very same
dict, in the same place; only the profile's own statement (by Sid) is appended or modified, and
`revoke` takes the principal's name out of the statements that name it. Every result is checked
before it is offered: the key's account can still change the policy (kms:PutKeyPolicy, evaluated
with `iam_policy`), and the document fits KMS's 32 KB limit.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cmek import contract, iam_policy, model
from cmek.errors import InputError, quote
from cmek.iam_policy import account_of, aws_principals


@dataclass(frozen=True)
class Edit:
    """The outcome of a grant or revoke: the new document, its text, and what to tell the user."""

    before: dict
    after: dict
    text: str
    changed: bool
    notes: tuple[str, ...]


# --- Facts about principals ----------------------------------------------------------------------

partition_of = contract.partition_of
# The profile's statement as data: the contract's, under the name the checks and tests use.
clickhouse_statement = contract.statement


def key_account(policy: Mapping[str, Any]) -> str | None:
    """The key's account as the policy shows it: the one account whose root an Allow statement
    names (AWS's default statement). None when there is none or several."""
    accounts = set()
    for statement in iam_policy.statements(policy):
        if statement["Effect"] != iam_policy.ALLOW:
            continue
        for value in aws_principals(statement.get("Principal")):
            if re.fullmatch(model.ACCOUNT_PATTERN, value):
                accounts.add(value)
            elif value == contract.account_root(partition_of(value), account_of(value)):
                accounts.add(account_of(value))
    return accounts.pop() if len(accounts) == 1 else None


def key_partition(policy: Mapping[str, Any]) -> str | None:
    """The key's partition as the policy shows it: that of an account root an Allow names."""
    for statement in iam_policy.statements(policy):
        for value in aws_principals(statement.get("Principal")):
            if statement["Effect"] == iam_policy.ALLOW and value.endswith(":root"):
                return partition_of(value)
    return None


def check_grantee(
    profile: model.Profile, principal: str, account: str | None, partition: str | None = None
) -> None:
    """Refuse the principals users really pasted by mistake (one line each; contract's rule)."""
    if reason := contract.principal_mistake(profile, principal, partition, account):
        raise InputError(f"{quote(principal)} {reason}")


# --- Statements ----------------------------------------------------------------------------------


def _names(statement: Mapping[str, Any], principal: str) -> bool:
    return principal in aws_principals(statement.get("Principal"))


def _is_ours(statement: Mapping[str, Any]) -> bool:
    """A statement cmek can edit without changing what it means for anyone else."""
    return (
        statement.get("Effect") == iam_policy.ALLOW
        and set(statement) <= {"Sid", "Effect", "Principal", "Action", "Resource"}
        and isinstance(statement.get("Principal"), dict)
        and set(statement["Principal"]) == {"AWS"}
        and statement.get("Resource") in ("*", ["*"])
    )


def _without(statement: dict, principal: str) -> dict | None:
    """The statement with `principal` taken out of its AWS principals; None when nobody is left."""
    remaining = [v for v in aws_principals(statement["Principal"]) if v != principal]
    others = {k: v for k, v in statement["Principal"].items() if k != "AWS"}
    if not remaining and not others:
        return None
    result = copy.deepcopy(statement)
    result["Principal"] = {**others, **({"AWS": remaining} if remaining else {})}
    return result


def _document(policy: dict, statements: list[dict]) -> dict:
    return {**policy, "Statement": statements}


# --- Checks on a result --------------------------------------------------------------------------


def check_manageable(policy: dict, account: str | None) -> None:
    """Refuse a result that leaves nobody in the key's account able to change the policy again:
    no unconditional Allow of kms:PutKeyPolicy, not explicitly denied, for the account root or a
    principal of the account that the policy names."""
    action = model.PUT_KEY_POLICY_ACTION
    candidates = set()
    if account:
        candidates.add(contract.account_root(_partition(policy), account))
    for statement in iam_policy.statements(policy):
        for value in aws_principals(statement.get("Principal")):
            arn = contract.account_root(_partition(policy), value)
            named = arn if re.fullmatch(model.ACCOUNT_PATTERN, value) else value
            if named != iam_policy.ANY and (account is None or account_of(named) == account):
                candidates.add(named)
    for candidate in sorted(candidates):
        grant = iam_policy.evaluate(policy, candidate, [action])[action]
        if grant.statements and not grant.denied_by:
            return
    whose = f"account {account}" if account else "any principal the policy names"
    raise InputError(
        f"refused: the result would let no principal of {whose} perform {action} "
        "(nobody could manage the key again)"
    )


def _partition(policy: Mapping[str, Any]) -> str:
    for statement in iam_policy.statements(policy):
        for value in aws_principals(statement.get("Principal")):
            if value.startswith("arn:"):
                return partition_of(value)
    return model.COMMERCIAL_PARTITION


def serialize(policy: dict) -> str:
    """The text to write: indented for people, compact if only that fits KMS's limit."""
    text = json.dumps(policy, indent=2, ensure_ascii=False) + "\n"
    if len(text.encode()) > model.KEY_POLICY_MAX_BYTES:
        text = json.dumps(policy, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode())
    if size > model.KEY_POLICY_MAX_BYTES:
        raise InputError(
            f"refused: the result is {size} bytes, over KMS's key-policy limit of "
            f"{model.KEY_POLICY_MAX_BYTES} bytes"
        )
    return text


def diff(before: dict, after: dict, name: str) -> str:
    """A unified diff of the two documents, both indented the same way, so only edits show."""
    old = json.dumps(before, indent=2, ensure_ascii=False).splitlines(keepends=True)
    new = json.dumps(after, indent=2, ensure_ascii=False).splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, f"{name} (current)", f"{name} (new)"))


def _typo_notes(policy: dict) -> list[str]:
    notes = []
    for index, statement in enumerate(iam_policy.statements(policy)):
        if contract.reencrypt_typos(contract.listed_actions(statement)):
            notes.append(
                f"warning: statement {quote(iam_policy.label(statement, index))} lists "
                f"{contract.typo_note()}"
            )
    return notes


def _deny_notes(policy: dict, principal: str, actions: tuple[str, ...]) -> list[str]:
    """One warning per Deny statement that blocks (or may block) `principal` after the edit: a
    grant it overrides does not work, and the user must hear which statement to change."""
    denied: dict[str, list[str]] = {}
    maybe: dict[str, list[str]] = {}
    for action, grant in iam_policy.evaluate(policy, principal, actions).items():
        for name in grant.denied_by:
            denied.setdefault(name, []).append(action)
        for name in grant.may_deny:
            maybe.setdefault(name, []).append(action)
    bodies = {iam_policy.label(s, i): s for i, s in enumerate(iam_policy.statements(policy))}
    notes = [
        f"warning: statement {quote(name)} denies the principal {', '.join(listed)}: a Deny "
        "wins over this grant"
        for name, listed in denied.items()
    ]
    for name, listed in maybe.items():
        why = (
            "a Condition"
            if bodies[name].get("Condition")
            else "its NotPrincipal spares only the sessions it lists, not the role's others"
        )
        notes.append(f"warning: statement {quote(name)} may deny {', '.join(listed)} ({why})")
    return notes


def _finish(before: dict, after: dict, text: str | None, notes: list[str], account) -> Edit:
    if after is before:
        return Edit(before, after, text or serialize(before), False, tuple(notes))
    check_manageable(after, account)
    return Edit(before, after, serialize(after), True, tuple(notes))


# --- The two edits -------------------------------------------------------------------------------


def grant(
    policy: dict,
    profile: model.Profile,
    principal: str,
    account: str | None,
    text: str | None = None,
    key_arn: str | None = None,
) -> Edit:
    """The policy with exactly the profile's actions granted to `principal`, in one write.

    Statements that name the principal are repaired in place first (the ReEncrypt typo replaced,
    a grant broader than the profile narrowed: `_repaired`), so one `cmek grant` turns any grant of
    the principal into the profile's without a moment where the principal has less than before.
    Unchanged when nothing needed repair and Allow statements already name the principal (or "*")
    for every action, whatever their Sid, on this key (`contract.applies_to_key`: a statement
    scoped to another key grants nothing here). `text` is the original document, returned as it
    was when nothing changes.
    """
    check_grantee(profile, principal, account, partition_of(key_arn or "") if key_arn else None)
    sid = profile.key_policy_sid
    notes: list[str] = []
    statements = _repaired(iam_policy.statements(policy), profile, principal, notes)
    current = _document(policy, statements) if notes else policy
    owned = [i for i, s in enumerate(statements) if s.get("Sid") == sid]
    actions = iam_policy.real_actions(profile.actions)
    allows = [s for s in statements if s["Effect"] == iam_policy.ALLOW]
    on_key = contract.key_statements(_document(policy, allows), key_arn)
    grants = iam_policy.evaluate(on_key, principal, actions).values()
    if all(g.allowed and g.via == iam_policy.VIA_PRINCIPAL for g in grants):
        if not notes:
            by = ", ".join(quote(s) for s in dict.fromkeys(s for g in grants for s in g.statements))
            notes.append(f"unchanged: {principal} already has the {profile.name} actions ({by})")
        notes += _typo_notes(current) + _deny_notes(current, principal, actions)
        return _finish(policy, current, text if current is policy else None, notes, account)
    if len(owned) > 1:
        raise InputError(f"policy has {len(owned)} statements with Sid {quote(sid)}; expected one")
    new = list(statements)
    if owned:
        new[owned[0]] = _merged(statements[owned[0]], profile, principal, notes)
    else:
        new.append(clickhouse_statement(profile, principal))
        notes.insert(0, f"granted: added statement {quote(sid)} for {principal}")
    after = _document(policy, new)
    notes += _typo_notes(after) + _deny_notes(after, principal, actions)
    return _finish(policy, after, None, notes, account)


def _repaired(
    statements: list[dict], profile: model.Profile, principal: str, notes: list[str]
) -> list[dict]:
    """The statements with those that name `principal` repaired in place, each edit noted.

    The ReEncrypt typo becomes the profile's `kms:ReEncrypt*` (what its author meant). A statement
    of cmek's shape allowing the principal more than the profile is narrowed: its actions set to
    the profile's when it names only the principal (or is the profile's own Sid), else the principal
    is taken out of it (the profile's statement then grants it). Another shape is only warned of.
    """
    result = []
    for index, statement in enumerate(statements):
        if statement.get("Effect") != iam_policy.ALLOW or not _names(statement, principal):
            result.append(statement)
            continue
        name = quote(iam_policy.label(statement, index))
        fixed = _without_typo(statement)
        if fixed is not statement:
            notes.append(
                f"fixed: replaced {model.REENCRYPT_TYPO} with {model.REENCRYPT_ACTIONS[0]} in "
                f"statement {name}"
            )
        extra = _extra(fixed, principal, profile)
        if not extra:
            result.append(fixed)
        elif not _is_ours(fixed):
            notes.append(
                f"warning: statement {name} allows {principal} {len(extra)} action(s) beyond the "
                f"{profile.name} set and has a shape cmek does not edit; narrow it by hand"
            )
            result.append(fixed)
        elif fixed.get("Sid") == profile.key_policy_sid or aws_principals(fixed["Principal"]) == [
            principal
        ]:
            wanted = clickhouse_statement(profile, principal)["Action"]
            result.append({**copy.deepcopy(fixed), "Action": wanted})
            notes.append(
                f"narrowed: set the actions of statement {name} to the {profile.name} set "
                f"({len(extra)} action(s) fewer)"
            )
        else:
            kept = _without(fixed, principal)
            result += [kept] if kept is not None else []
            notes.append(
                f"narrowed: took {principal} out of statement {name}, which allowed it "
                f"{len(extra)} action(s) beyond the {profile.name} set"
            )
    return result


def _without_typo(statement: dict) -> dict:
    """The statement with `kms:ReEncrypt` (any case) replaced by `kms:ReEncrypt*`; the statement
    itself when it has no typo."""
    listed = contract.listed_actions(statement)
    if not contract.reencrypt_typos(listed):
        return statement
    return {**copy.deepcopy(statement), "Action": contract.without_reencrypt_typo(listed)}


def _extra(statement: dict, principal: str, profile: model.Profile) -> tuple[str, ...]:
    """The real KMS actions this one statement allows `principal` beyond the profile's."""
    needed = set(iam_policy.real_actions(profile.actions))
    alone = {"Version": model.POLICY_VERSION, "Statement": [statement]}
    grants = iam_policy.evaluate(alone, principal, iam_policy.kms_actions())
    return tuple(a for a, g in grants.items() if g.allowed and a not in needed)


def _merged(statement: dict, profile: model.Profile, principal: str, notes: list[str]) -> dict:
    """The profile's own statement with `principal` added and its actions set to the profile's."""
    sid = statement["Sid"]
    if not _is_ours(statement):
        raise InputError(
            f"statement {quote(sid)} has the Sid cmek writes but another shape (a Condition, "
            "NotAction, a non-AWS principal or a scoped Resource); rename or fix it by hand"
        )
    result = copy.deepcopy(statement)
    values = aws_principals(statement["Principal"])
    if principal not in values:
        result["Principal"] = {"AWS": [*values, principal]}
        notes.insert(0, f"granted: added {principal} to statement {quote(sid)}")
    wanted = clickhouse_statement(profile, principal)["Action"]
    if statement["Action"] != wanted:
        result["Action"] = wanted
        typo = _without_typo(statement) is not statement
        why = f" (it listed {model.REENCRYPT_TYPO}, which grants nothing)" if typo else ""
        notes.insert(
            0, f"fixed: set the actions of statement {quote(sid)} to the {profile.name} set{why}"
        )
    return result


def revoke(
    policy: dict,
    profile: model.Profile,
    principal: str,
    account: str | None,
    text: str | None = None,
    key_arn: str | None = None,
) -> Edit:
    """The policy with `principal` taken out of every Allow statement that names it: out of the
    list where it shares a statement, the statement removed where it was alone. Grants that reach
    the principal some other way ("*", its account) are reported, not changed."""
    statements = iam_policy.statements(policy)
    new, notes = [], []
    for index, statement in enumerate(statements):
        if statement["Effect"] != iam_policy.ALLOW or not _names(statement, principal):
            new.append(statement)
            continue
        name = quote(iam_policy.label(statement, index))
        remaining = _without(statement, principal)
        if remaining is None:
            notes.append(f"revoked: removed statement {name} (it named only {principal})")
        else:
            new.append(remaining)
            notes.append(f"revoked: removed {principal} from statement {name}; others kept")
    after = _document(policy, new) if notes else policy
    if not notes:
        notes.append(f"unchanged: no Allow statement names {principal}")
    on_key = contract.key_statements(after, key_arn)
    notes.extend(_still_granted(on_key, principal, iam_policy.real_actions(profile.actions)))
    return _finish(policy, after, text, notes, account)


def _still_granted(policy: dict, principal: str, actions: tuple[str, ...]) -> list[str]:
    grants = iam_policy.evaluate(policy, principal, actions).values()
    labels = dict.fromkeys(s for g in grants if not g.denied_by for s in g.statements)
    return [
        f'warning: {principal} is still allowed by statement {quote(label)} (it names "*" or '
        "its account); edit it by hand if that is not intended"
        for label in labels
    ]
