"""`verify-key`: is this KMS key usable by ClickHouse and, when it is not, what to change.

ClickHouse checks a key before it accepts it and every 10 minutes after, and stops the service
when access is lost. This module reaches the same verdict from the same model (a profile's
principal and actions), in two parts:

- pure checks: `evaluate(request, facts)` turns what AWS returned into a `Report`, each check
  with its status and, for each failure, what to change (the exact statement: the same text as
  `cmek snippet`, or the `cmek grant` command that adds it). Key and role policies are judged by
  `cmek.iam_policy`, the one evaluator grant, verify-key and the audit share;
- a thin edge (verify_key_fetch.py): `fetch` asks AWS for those facts through `cmek.aws`;
  verify_key_report.py prints the verdict and `watch` repeats it, speaking only when it changes.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cmek import contract, iam_policy, model
from cmek.errors import InputError, quote
from cmek.iam_policy import account_of

PASS = "pass"
FAIL = "fail"
WARN = "warn"
INFO = "info"
SKIP = "skip"

VALID = "valid"
NOT_VALID = "not valid"
# A watch keeps going when one check cannot run (throttling, a network blip, a revoked caller).
UNCHECKED = "could not check"

NOT_THE_KEY = (
    "ClickHouse's access is judged from the key policy; this refusal is about the credentials "
    "running the check, not about the key"
)
LIVE_CAVEAT = (
    "it used your credentials, so it cannot prove ClickHouse's own access (the key-policy checks "
    "cover that)"
)


# --- What to verify --------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRef:
    """A key or alias ARN, split into the parts the checks need."""

    arn: str
    partition: str
    region: str
    account: str
    is_alias: bool


def parse_key_ref(value: str) -> KeyRef:
    """A well-formed KMS key ARN or alias ARN; `InputError` naming the value otherwise."""
    if re.fullmatch(model.KEY_ARN_PATTERN, value):
        is_alias = False
    elif re.fullmatch(model.KEY_ALIAS_ARN_PATTERN, value):
        is_alias = True
    else:
        raise InputError(
            f"{quote(value)}: expected a KMS key ARN like {model.EXAMPLE_KEY_ARN} "
            f"or an alias ARN like {model.EXAMPLE_ALIAS_ARN}"
        )
    _, partition, _, region, account, _ = value.split(":", 5)
    return KeyRef(value, partition, region, account, is_alias)


@dataclass(frozen=True)
class Request:
    """A validated verify-key request. `principal` is ClickHouse's; `role_arn` is the customer's
    role of the v1 role flow (ClickHouse assumes it), None when the key policy names ClickHouse."""

    key: KeyRef
    region: str
    profile: model.Profile
    principal: str
    role_arn: str | None = None
    live: bool = False


# --- What AWS returned -----------------------------------------------------------------------


@dataclass(frozen=True)
class RoleFacts:
    """The v1 role as IAM returned it; `policies` pairs a label with each policy document."""

    arn: str
    found: bool
    trust: Any = None
    policies: tuple[tuple[str, Any], ...] = ()
    boundary: str = ""


@dataclass(frozen=True)
class LiveResult:
    ok: bool
    steps: tuple[str, ...]
    error: str = ""
    skipped: bool = False


@dataclass(frozen=True)
class Facts:
    """Everything fetched for one verdict. `metadata` is None when the key does not exist."""

    metadata: Mapping[str, Any] | None
    not_found: str = ""
    policy: str | None = None
    rotation: bool | None = None
    rotation_note: str = ""
    role: RoleFacts | None = None
    live: LiveResult | None = None


# --- The verdict -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    id: str
    status: str
    summary: str
    # Separate instructions, so a report lists each once however many checks need it.
    fix: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    request: Request
    key_arn: str
    checks: tuple[Check, ...]

    @property
    def valid(self) -> bool:
        return not any(check.status == FAIL for check in self.checks)

    @property
    def verdict(self) -> str:
        return VALID if self.valid else NOT_VALID

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(f"{c.id}: {c.summary}" for c in self.checks if c.status == FAIL)


def evaluate(request: Request, facts: Facts) -> Report:
    """The verdict on fetched facts: every check, in the order a reader fixes them."""
    key_arn = str(facts.metadata["Arn"]) if facts.metadata else request.key.arn
    checks = [_arn_check(request.key, key_arn, facts.metadata is not None), _region_check(request)]
    checks += _principal_checks(request)
    if facts.metadata is None:
        checks.append(_missing_key_check(request, facts.not_found))
        return Report(request, key_arn, tuple(checks))
    checks += metadata_checks(facts.metadata)
    checks.append(rotation_check(facts.rotation, facts.rotation_note, key_arn))
    checks += key_policy_checks(request, facts.policy, key_arn)
    if facts.role is not None:
        checks += role_checks(request, facts.role, key_arn)
    if facts.live is not None:
        checks.append(live_check(facts.live))
    return Report(request, key_arn, tuple(checks))


def _arn_check(key: KeyRef, key_arn: str, found: bool) -> Check:
    if key.is_alias and found:
        return Check("key-arn", PASS, f"alias {key.arn} resolves to {key_arn}")
    kind = "alias ARN" if key.is_alias else "key ARN"
    return Check("key-arn", PASS, f"well-formed {kind} in account {key.account}")


def _region_check(request: Request) -> Check:
    if request.region == request.key.region:
        return Check("region", INFO, f"{request.region} (from the ARN)")
    return Check(
        "region",
        WARN,
        f"checking in {request.region}, but the ARN names {request.key.region}",
        fix=("KMS keys are regional: check the key in the region its ARN names.",),
    )


def _principal_checks(request: Request) -> list[Check]:
    """The mistakes customers made (the contract's one rule): the retired v1 role instead of the
    service's own encryption role, the v1 role's name in another account, a role of another
    partition or of the key's own account."""
    key = request.key
    if reason := contract.principal_mistake(
        request.profile, request.principal, key.partition, key.account
    ):
        return [
            Check(
                "principal",
                FAIL,
                f"{request.principal} {reason}",
                fix=(_principal_fix(request.profile),),
            )
        ]
    return []


def _principal_fix(profile: model.Profile) -> str:
    if profile.per_service_role or profile.principal is None:
        return f"Use the service's encryption role, shown as {model.ENCRYPTION_ROLE_WHERE}."
    return f"Use ClickHouse's {profile.name} role, {profile.principal}."


def _missing_key_check(request: Request, reason: str) -> Check:
    return Check(
        "key-exists",
        FAIL,
        reason or f"no such key in {request.region}",
        fix=(
            f"Check the ARN and the region: the key must exist in {request.key.region} of "
            f"account {request.key.account}.",
        ),
    )


# --- DescribeKey -----------------------------------------------------------------------------


def metadata_checks(meta: Mapping[str, Any]) -> list[Check]:
    """What DescribeKey says: state, spec, usage and manager decide; origin and multi-region are
    reported because they change what can break later."""
    return [
        _state_check(meta),
        _expect(meta, "key-spec", "KeySpec", model.KEY_SPEC),
        _expect(meta, "key-usage", "KeyUsage", model.KEY_USAGE),
        _manager_check(meta),
        _origin_check(meta),
        _multi_region_check(meta),
    ]


def _state_check(meta: Mapping[str, Any]) -> Check:
    arn = meta["Arn"]
    state = str(meta.get("KeyState", ""))
    if state == model.KEY_STATE_ENABLED and meta.get("Enabled", True):
        return Check("key-state", PASS, "enabled")
    enable = f"aws kms enable-key --key-id {arn}"
    cancel = f"aws kms cancel-key-deletion --key-id {arn} && {enable}"
    fixes = {
        "Disabled": f"Enable the key: {enable}",
        "PendingDeletion": f"Cancel the deletion, then enable the key: {cancel}",
        "PendingReplicaDeletion": f"Cancel the deletion, then enable the key: {cancel}",
        "PendingImport": "Import the key material (aws kms import-key-material).",
        "Unavailable": "Reconnect its custom key store (aws kms connect-custom-key-store).",
    }
    when = f", deletion on {meta['DeletionDate']}" if meta.get("DeletionDate") else ""
    return Check(
        "key-state",
        FAIL,
        f"key state {state or 'unknown'}{when}: ClickHouse needs an enabled key",
        fix=(fixes.get(state, f"Bring the key back to {model.KEY_STATE_ENABLED}."),),
    )


def _expect(meta: Mapping[str, Any], check_id: str, field: str, expected: str) -> Check:
    # CustomerMasterKeySpec is the deprecated name some responses still carry alone.
    found = meta.get(field) or meta.get("CustomerMasterKeySpec" if field == "KeySpec" else field)
    if found == expected:
        return Check(check_id, PASS, f"{field} {found}")
    return Check(
        check_id,
        FAIL,
        f"{field} {found}: ClickHouse needs {expected}",
        fix=(
            f"A key's {field} cannot be changed: create a key with KeySpec {model.KEY_SPEC} and "
            f"KeyUsage {model.KEY_USAGE} (for example with the new-key stack) and give ClickHouse "
            "its ARN.",
        ),
    )


def _manager_check(meta: Mapping[str, Any]) -> Check:
    manager = meta.get("KeyManager")
    if manager == model.KEY_MANAGER_CUSTOMER:
        return Check("key-manager", PASS, "customer managed")
    return Check(
        "key-manager",
        FAIL,
        f"KeyManager {manager}: its key policy belongs to AWS and cannot grant ClickHouse",
        fix=("Use a customer managed key.",),
    )


def _origin_check(meta: Mapping[str, Any]) -> Check:
    origin = str(meta.get("Origin", ""))
    text = f"origin {origin}: {model.KEY_ORIGINS.get(origin, 'unknown origin')}"
    if meta.get("CustomKeyStoreId"):
        text += f" ({meta['CustomKeyStoreId']})"
    if meta.get("ExpirationModel") == model.KEY_MATERIAL_EXPIRES:
        return Check(
            "origin",
            WARN,
            f"{text}; it expires on {meta.get('ValidTo')}, and then ClickHouse stops the service",
            fix=("Re-import the key material before it expires, or import it without expiry.",),
        )
    return Check("origin", INFO, text)


def _multi_region_check(meta: Mapping[str, Any]) -> Check:
    if not meta.get("MultiRegion"):
        return Check("multi-region", INFO, "single-region key")
    kind = meta.get("MultiRegionConfiguration", {}).get("MultiRegionKeyType", "")
    return Check(
        "multi-region",
        INFO,
        f"multi-region key ({str(kind).lower() or 'unknown type'}); each replica has its own "
        "key policy: verify the one ClickHouse is given",
    )


def rotation_check(enabled: bool | None, note: str, key_arn: str) -> Check:
    """Rotation off is a warning: the key keeps working, it is a hygiene finding."""
    if enabled:
        return Check("rotation", PASS, "automatic rotation on")
    if enabled is None:
        return Check("rotation", WARN, f"rotation status unknown: {note}")
    return Check(
        "rotation",
        WARN,
        "automatic rotation off (a warning, not a failure)",
        fix=(f"Turn rotation on: aws kms enable-key-rotation --key-id {key_arn}",),
    )


# --- Policies --------------------------------------------------------------------------------


def key_policy_checks(request: Request, policy_text: str | None, key_arn: str) -> list[Check]:
    """One check per real action: does the key policy let the subject perform it?

    The subject is ClickHouse's principal, or the customer's role in the v1 role flow. A statement
    naming only the subject's *account* counts when that account is not the key's (ClickHouse's
    own IAM policies decide, and ClickHouse controls them) or in the role flow (the role's own
    policies are checked too); for a principal of the key's account it would need an identity
    policy nobody checked, so it does not count.
    """
    try:
        policy, tls_denies = _as_clickhouse_sees_it(iam_policy.load(policy_text or ""))
    except InputError as exc:
        return [Check("key-policy", FAIL, f"the key policy cannot be read: {exc}")]
    checks = [_tls_note(tls_denies)] if tls_denies else []
    subject = request.role_arn or request.principal
    foreign = account_of(subject) != request.key.account
    account_counts = request.role_arn is not None or foreign
    actions = iam_policy.real_actions(request.profile.actions)
    grants = iam_policy.evaluate(policy, subject, actions, key_arn)
    root = contract.account_root(request.key.partition, request.key.account)
    root_grants = iam_policy.evaluate(policy, root, grants, key_arn)
    fix = _key_policy_fix(request, key_arn)
    typo = _typo_note(policy)
    for action, grant in grants.items():
        check = _grant_check("key-policy", grant, subject, account_counts, fix)
        if check.status == FAIL and not (grant.allowed or grant.denied_by or grant.may_deny):
            check = _explain_missing(check, action, root_grants[action], foreign, typo)
        checks.append(check)
    return checks


def _as_clickhouse_sees_it(policy: Mapping[str, Any]) -> tuple[dict, tuple[str, ...]]:
    """The policy without the Deny statements that only refuse requests without TLS (KMS accepts
    no other, so they never apply), each kept statement labelled as in the original; and the
    labels of the statements set aside."""
    kept, dropped = [], []
    for index, statement in enumerate(iam_policy.statements(policy)):
        name = iam_policy.label(statement, index)
        if _tls_only_deny(statement):
            dropped.append(name)
        else:
            kept.append({**statement, "Sid": name})
    return {**policy, "Statement": kept}, tuple(dropped)


def _tls_only_deny(statement: Mapping[str, Any]) -> bool:
    condition = statement.get("Condition")
    if statement.get("Effect") != iam_policy.DENY or not isinstance(condition, dict):
        return False
    if len(condition) != 1:
        return False
    ((operator, tests),) = condition.items()
    if operator not in ("Bool", "BoolIfExists") or not isinstance(tests, dict) or len(tests) != 1:
        return False
    ((key, value),) = tests.items()
    values = value if isinstance(value, list) else [value]
    return key.lower() == model.SECURE_TRANSPORT_CONDITION_KEY.lower() and [
        str(v).lower() for v in values
    ] == ["false"]


def _tls_note(labels: tuple[str, ...]) -> Check:
    return Check(
        "key-policy-tls",
        INFO,
        f"{', '.join(map(repr, labels))} denies requests without TLS: KMS accepts only TLS, so "
        "it never applies to ClickHouse",
    )


def _grant_check(
    prefix: str,
    grant: iam_policy.Grant,
    subject: str,
    account_counts: bool,
    fix: tuple[str, ...],
) -> Check:
    check_id = f"{prefix} {grant.action}"
    names = ", ".join(repr(s) for s in grant.statements)
    if grant.allowed and (grant.via == iam_policy.VIA_PRINCIPAL or account_counts):
        how = ""
        if grant.via == iam_policy.VIA_ACCOUNT:
            how = f", which names account {account_of(subject)}: its IAM policies must allow it too"
        return Check(check_id, PASS, f"allowed by {names}{how}")
    if grant.allowed:
        return Check(
            check_id,
            FAIL,
            f"reaches {subject} only through {names}, which names its account: that needs an IAM "
            "policy nobody checked; name the principal in the key policy",
            fix,
        )
    if grant.denied_by or grant.may_deny:
        denies = ", ".join(repr(s) for s in grant.denied_by + grant.may_deny)
        kind = "explicitly denied" if grant.denied_by else "may be denied (conditional Deny)"
        return Check(
            check_id,
            FAIL,
            f"{kind} by {denies}: a Deny wins over any Allow",
            (
                f"Remove {grant.action} from the Deny statement(s) {denies}, or exclude "
                f"{subject} from them.",
            ),
        )
    if grant.conditional:
        names = ", ".join(repr(s) for s in grant.conditional)
        return Check(
            check_id,
            FAIL,
            f"allowed only under a Condition ({names}) that ClickHouse's requests may not meet",
            (f"Remove the Condition from {names}, or:", *fix),
        )
    return Check(check_id, FAIL, "not allowed: no statement grants it", fix)


def _explain_missing(
    check: Check, action: str, root: iam_policy.Grant, foreign: bool, typo: str
) -> Check:
    """Say why a customer may believe it is granted: the account-root statement, or the typo."""
    notes = []
    if typo and action in model.REENCRYPT_COVERS:
        notes.append(typo)
    if root.allowed and foreign:
        notes.append(
            f"The account-root statement {', '.join(map(repr, root.statements))} lets IAM "
            "policies of the key's own account grant access; it does not reach a principal of "
            "another account, so the key policy must name it."
        )
    return Check(check.id, check.status, check.summary, (*notes, *check.fix))


def _typo_note(policy: Mapping[str, Any]) -> str:
    for index, statement in enumerate(iam_policy.statements(policy)):
        if contract.reencrypt_typos(contract.listed_actions(statement)):
            name = iam_policy.label(statement, index)
            return (
                f"Statement {name!r} lists {model.REENCRYPT_TYPO}, which is not an IAM action and "
                f"grants nothing: write {', '.join(model.REENCRYPT_ACTIONS)} instead."
            )
    return ""


def _key_policy_fix(request: Request, key_arn: str) -> tuple[str, ...]:
    from cmek.config import Config
    from cmek.render import policies, snippet

    if request.role_arn:
        root = contract.account_root(request.key.partition, request.key.account)
        return (
            "Let IAM policies of the key's account grant access, as AWS's default key policy "
            f"does (or name {request.role_arn} in a statement):\n"
            + _statement_json(policies.account_root_statement(root)),
        )
    text = snippet.render(Config(profile=request.profile, principal=request.principal))
    return (
        f"Add this statement to the key policy (the same text as `cmek snippet` for profile "
        f"{request.profile.name} and this principal):\n{text.rstrip()}\n"
        "or let cmek add it (it prints the change; --apply makes it):\n"
        + shlex.join(
            [
                *("cmek", "grant", "--cmek-version", request.profile.name),
                *("--principal", request.principal, "--key-arn", key_arn),
            ]
        ),
    )


def _statement_json(statement: Any) -> str:
    """An awacs statement as indented JSON, keys in the order a person reads them."""
    data = json.loads(statement.to_json())
    order = ("Sid", "Effect", "Principal", "Action", "Resource", "Condition")
    return json.dumps({key: data[key] for key in order if key in data}, indent=2)


# --- The v1 role flow ------------------------------------------------------------------------


def role_checks(request: Request, role: RoleFacts, key_arn: str) -> list[Check]:
    """The role ClickHouse assumes: it must trust ClickHouse and its policies must grant the
    actions on this key (the key policy's side is in `key_policy_checks`)."""
    if not role.found:
        return [
            Check(
                "role",
                FAIL,
                f"role {role.arn} not found",
                fix=("Create it with the existing-key stack, or check the role ARN.",),
            )
        ]
    checks = [trust_check(request, role), *role_policy_checks(request, role, key_arn)]
    if role.boundary:
        checks.append(
            Check(
                "role-boundary",
                WARN,
                f"permissions boundary {role.boundary} is not evaluated: it may cap the grants",
            )
        )
    return checks


def trust_check(request: Request, role: RoleFacts) -> Check:
    """The trust policy lets ClickHouse's principal assume the role; an external ID condition is
    reported, because ClickHouse does not send one unless it agreed to."""
    from cmek.render import policies

    fix = (
        "Add this statement to the role's trust policy:\n"
        + _statement_json(policies.trust_statement(request.principal)),
    )
    try:
        trust = iam_policy.load(role.trust)
    except InputError as exc:
        return Check("role-trust", FAIL, f"the trust policy cannot be read: {exc}", fix)
    action = model.ASSUME_ROLE_ACTION
    grant = iam_policy.evaluate(trust, request.principal, [action])[action]
    external_ids = _external_ids(trust, grant.conditional)
    if not grant.allowed and external_ids and not (grant.denied_by or grant.may_deny):
        return Check(
            "role-trust",
            WARN,
            f"trusts {request.principal} only with external ID {', '.join(external_ids)}: "
            "ClickHouse does not send an external ID unless it agreed to",
            fix=("Remove the sts:ExternalId condition unless ClickHouse confirmed it sends it.",),
        )
    check = _grant_check("role-trust", grant, request.principal, True, fix)
    return Check(
        "role-trust", check.status, f"{action} for {request.principal}: {check.summary}", check.fix
    )


def _external_ids(trust: Mapping[str, Any], labels: Iterable[str]) -> tuple[str, ...]:
    """The external IDs of the named statements when sts:ExternalId is their only condition key;
    () when any of them tests something else (then it is an ordinary unmet condition)."""
    wanted = set(labels)
    found: list[str] = []
    for index, statement in enumerate(iam_policy.statements(trust)):
        if iam_policy.label(statement, index) not in wanted:
            continue
        for tests in statement.get("Condition", {}).values():
            for key, values in tests.items():
                if key.lower() != model.EXTERNAL_ID_CONDITION_KEY.lower():
                    return ()
                found += [values] if isinstance(values, str) else list(values)
    return tuple(found)


def role_policy_checks(request: Request, role: RoleFacts, key_arn: str) -> list[Check]:
    """The role's inline and attached policies together grant each action on this key."""
    from cmek.render import policies

    fix = (
        "Add this statement to one of the role's policies (the existing-key stack's grant):\n"
        + _statement_json(policies.role_statement(request.profile, [key_arn])),
    )
    actions = iam_policy.real_actions(request.profile.actions)
    grants: list[tuple[str, dict[str, iam_policy.Grant]]] = []
    for label, document in role.policies:
        try:
            loaded = iam_policy.load(document)
        except InputError as exc:
            return [Check("role-policy", FAIL, f"policy {label} cannot be read: {exc}")]
        grants.append((label, iam_policy.evaluate(loaded, None, actions, key_arn)))
    return [
        _grant_check("role-policy", _combine(action, grants), role.arn, True, fix)
        for action in actions
    ]


def _combine(
    action: str, grants: list[tuple[str, dict[str, iam_policy.Grant]]]
) -> iam_policy.Grant:
    """IAM's union over a role's policies: any Allow grants, any Deny wins."""

    def named(field: str) -> tuple[str, ...]:
        return tuple(f"{label}/{s}" for label, g in grants for s in getattr(g[action], field))

    allows, denied, may_deny = named("statements"), named("denied_by"), named("may_deny")
    allowed = bool(allows) and not denied and not may_deny
    return iam_policy.Grant(
        action=action,
        allowed=allowed,
        via=iam_policy.VIA_PRINCIPAL if allowed else "",
        statements=allows,
        denied_by=denied,
        conditional=named("conditional"),
        may_deny=may_deny,
    )


# --- Live round trip -------------------------------------------------------------------------


def live_check(live: LiveResult) -> Check:
    if live.skipped:
        return Check("live", SKIP, f"round trip not attempted: {live.error}")
    steps = ", ".join(live.steps)
    if live.ok:
        return Check("live", PASS, f"round trip {steps} succeeded; {LIVE_CAVEAT}")
    return Check("live", FAIL, f"round trip failed ({steps}): {live.error}; {LIVE_CAVEAT}")
