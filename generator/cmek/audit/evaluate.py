"""`cmek audit`, the pure part: which keys ClickHouse can use, through what, and what to remove.

ClickHouse retired its v1 principal, but nothing takes it out of customers' key policies or the v1
stacks' roles, and a customer with one encryption role per service loses track of which key serves
which role. Given what AWS returned for an account (`Inventory`: every customer-managed key with
its aliases, state and key policy, and the IAM roles that trust a ClickHouse principal), `audit`
answers "which keys can ClickHouse use, through which statement or role, and what should change?"

Every grant is judged by `cmek.iam_policy` (the evaluator grant, revoke and verify-key share),
and each access's verdict is `verify_key.evaluate` on the same facts, so the audit and
`cmek verify-key` cannot disagree. Fetching is in cmek/audit/fetch.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cmek import contract, iam_policy, model
from cmek.errors import EXIT_CHECK_FAILED, EXIT_OK, EXIT_TOOL_FAILED, InputError, quote
from cmek.iam_policy import aws_principals
from cmek.verify import evaluate as verify_key

VIA_KEY_POLICY = "key policy"
VIA_ROLE = "role"

# Finding codes (stable: scripts filter on them).
V1_GRANTED = model.FINDING_V1_GRANTED
V1_ROLE = model.FINDING_V1_ROLE
V2_MISSING = model.FINDING_V2_MISSING
TYPO = model.FINDING_TYPO
V2_DENIED = model.FINDING_V2_DENIED
KEY_NOT_ENABLED = model.FINDING_KEY_NOT_ENABLED
BROADER = model.FINDING_BROADER
UNREADABLE = model.FINDING_UNREADABLE
ACCOUNT_NOT_AUDITED = model.FINDING_ACCOUNT_NOT_AUDITED
V1_CONDITIONAL = model.FINDING_V1_CONDITIONAL
CONDITIONAL = model.FINDING_CONDITIONAL

# Every printed cmek fix writes (with a backup of the previous policy); without it, a dry run.
APPLY_FLAG = "--apply"
ROTATION_NOT_READ = "not read by the audit (one call per key less)"
# Error codes meaning "this region is not enabled for the account" rather than "you may not".
NOT_ENABLED_CODES = frozenset({"UnrecognizedClientException", "InvalidClientTokenId"})


# --- What AWS returned ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFacts:
    """One customer-managed key: DescribeKey's metadata, its aliases and its key policy text.
    `error` says why the key could not be read (then metadata or policy is None)."""

    arn: str
    region: str
    metadata: Mapping[str, Any] | None
    aliases: tuple[str, ...] = ()
    policy: str | None = None
    error: str = ""

    @property
    def state(self) -> str:
        return str((self.metadata or {}).get("KeyState", ""))


@dataclass(frozen=True)
class Unreadable:
    """A region (or "iam") that could not be read, with AWS's error code and message."""

    where: str
    code: str
    error: str


@dataclass(frozen=True)
class Inventory:
    regions: tuple[str, ...]
    keys: tuple[KeyFacts, ...]
    # Only the roles whose trust policy lets a ClickHouse principal assume them.
    roles: tuple[verify_key.RoleFacts, ...]
    unreadable: tuple[Unreadable, ...] = ()
    calls: Mapping[str, int] = field(default_factory=dict)
    requests: int = 0


# --- What the audit says -------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """One way a ClickHouse principal can use a key: the key policy (`where`: the statements'
    Sids) or a role in the account that ClickHouse assumes (`where`: the role ARN)."""

    key_arn: str
    region: str
    aliases: tuple[str, ...]
    state: str
    principal: str
    profile: str
    via: str
    where: tuple[str, ...]
    actions: tuple[str, ...]
    extra: tuple[str, ...]
    missing: tuple[str, ...]
    verdict: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    code: str
    subject: str
    principal: str
    message: str
    fix: str


@dataclass(frozen=True)
class Report:
    inventory: Inventory
    access: tuple[Access, ...]
    findings: tuple[Finding, ...]

    @property
    def readable(self) -> bool:
        """False when no region could be read: nothing was audited."""
        failed = {u.where for u in self.inventory.unreadable}
        return any(region not in failed for region in self.inventory.regions)

    @property
    def exit_code(self) -> int:
        if not self.readable:
            return EXIT_TOOL_FAILED
        return EXIT_CHECK_FAILED if self.findings else EXIT_OK


# --- Who is ClickHouse ---------------------------------------------------------------------------


def parse_account(value: str) -> str:
    if not re.fullmatch(model.ACCOUNT_PATTERN, value):
        raise InputError(f"{quote(value)}: expected a 12-digit AWS account id, like 111122223333")
    return value


def profile_of(
    principal: str, accounts: Iterable[str], home: str = "", partition: str | None = None
) -> model.Profile | None:
    """v1 for ClickHouse's retired principal; v2 for a role (or the root) of an account the
    caller named as ClickHouse's, or for a role outside `home` (the audited account) whose name has
    the shape of ClickHouse's encryption roles, so a v2 grant is found without being told
    ClickHouse's accounts; None for anyone else, and for a principal the contract calls a mistake
    for v2 (`contract.principal_mistake`: the v1 role's name elsewhere, another partition)."""
    if shared := contract.shared_profile(principal):
        return shared
    current = contract.per_service_profile()
    parts = principal.split(":")
    if len(parts) != 6 or parts[2] != "iam" or not re.fullmatch(model.ACCOUNT_PATTERN, parts[4]):
        return None
    if contract.principal_mistake(current, principal, partition, home or None):
        return None
    if parts[4] in set(accounts) and (parts[5].startswith("role/") or parts[5] == "root"):
        return current
    name = parts[5].rsplit("/", 1)[-1]
    shaped = parts[5].startswith("role/") and re.fullmatch(model.V2_ROLE_NAME_PATTERN, name)
    return current if shaped else None


def _canonical(value: str, partition: str) -> str:
    return (
        contract.account_root(partition, value)
        if re.fullmatch(model.ACCOUNT_PATTERN, value)
        else value
    )


def candidates(
    policy: Mapping[str, Any], accounts: Sequence[str], partition: str, home: str = ""
) -> dict[str, model.Profile]:
    """The ClickHouse principals to evaluate under a policy of account `home`, with their profile:
    always the v1 principal (a "*" or its account reaches it unnamed), then each v2 principal
    named."""
    found = {model.V1.principal: model.V1}
    for statement in iam_policy.statements(policy):
        for value in aws_principals(statement.get("Principal")):
            arn = _canonical(value, partition)
            profile = profile_of(arn, accounts, home, partition)
            if profile is not None:
                found[arn] = profile
    return found


def trusted(trust: Any, accounts: Sequence[str], home: str = "") -> dict[str, model.Profile]:
    """The ClickHouse principals a role of account `home` lets assume it. A trust under a
    Condition (an external ID) counts: ClickHouse may meet it."""
    try:
        policy = iam_policy.load(trust)
    except InputError:
        return {}
    action = model.ASSUME_ROLE_ACTION
    result = {}
    partition = model.COMMERCIAL_PARTITION
    for principal, profile in candidates(policy, accounts, partition, home).items():
        grant = iam_policy.evaluate(policy, principal, [action])[action]
        if grant.allowed or (grant.conditional and not (grant.denied_by or grant.may_deny)):
            result[principal] = profile
    return result


# --- The audit -----------------------------------------------------------------------------------


def audit(inventory: Inventory, accounts: Sequence[str], endpoint_url: str | None = None) -> Report:
    """Every access and every finding, in a stable order (key ARN, then principal)."""
    access: list[Access] = []
    findings: list[Finding] = [_unreadable_finding(u) for u in inventory.unreadable]
    fixes = Fixes(endpoint_url)
    trusts = [
        (role, trusted(role.trust, accounts, iam_policy.account_of(role.arn)))
        for role in inventory.roles
    ]
    for key in sorted(inventory.keys, key=lambda k: k.arn):
        if key.error or key.metadata is None or key.policy is None:
            findings.append(_unreadable_key(key))
            continue
        try:
            policy = iam_policy.load(key.policy)
        except InputError as exc:
            findings.append(_unreadable_key(key, f"its key policy cannot be read: {exc}"))
            continue
        home = iam_policy.account_of(key.arn)
        for principal, profile in candidates(policy, accounts, key.arn.split(":")[1], home).items():
            found = key_access(key, policy, principal, profile)
            if found is not None:
                access.append(found)
                findings += key_findings(found, policy, fixes)
        findings += typo_findings(key, policy, accounts, fixes)
        findings += conditional_findings(key, policy, accounts, fixes)
        findings += denied_findings(key, policy, accounts)
        for role, trusting in trusts:
            for principal, profile in trusting.items():
                found = role_access(key, policy, role, principal, profile)
                if found is not None:
                    access.append(found)
                    findings += role_access_findings(found)
    for role in sorted(inventory.roles, key=lambda r: r.arn):
        findings += role_findings(role, accounts)
    return Report(inventory, tuple(access), tuple(dict.fromkeys(findings)))


def _all_actions() -> tuple[str, ...]:
    return iam_policy.kms_actions()


def _verdict(
    key: KeyFacts, profile: model.Profile, principal: str, role: verify_key.RoleFacts | None
) -> verify_key.Report:
    """verify-key's own verdict on the audit's facts (rotation is not read: it only warns)."""
    ref = verify_key.parse_key_ref(key.arn)
    request = verify_key.Request(ref, key.region, profile, principal, role.arn if role else None)
    facts = verify_key.Facts(
        metadata=key.metadata,
        policy=key.policy,
        rotation=None,
        rotation_note=ROTATION_NOT_READ,
        role=role,
    )
    return verify_key.evaluate(request, facts)


def _access(
    key: KeyFacts,
    principal: str,
    profile: model.Profile,
    via: tuple[str, tuple[str, ...]],
    allowed: tuple[str, ...],
    report: verify_key.Report,
) -> Access:
    needed = iam_policy.real_actions(profile.actions)
    return Access(
        key_arn=key.arn,
        region=key.region,
        aliases=key.aliases,
        state=key.state,
        principal=principal,
        profile=profile.name,
        via=via[0],
        where=via[1],
        actions=allowed,
        extra=tuple(a for a in allowed if a not in needed),
        missing=tuple(a for a in needed if a not in allowed),
        verdict=report.verdict,
        reasons=report.reasons,
    )


def key_access(
    key: KeyFacts, policy: Mapping[str, Any], principal: str, profile: model.Profile
) -> Access | None:
    """What the key policy itself lets `principal` do on the key; None when nothing."""
    grants = iam_policy.evaluate(policy, principal, _all_actions(), key.arn)
    allowed = tuple(a for a, g in grants.items() if g.allowed)
    if not allowed:
        return None
    sids = tuple(dict.fromkeys(s for a in allowed for s in grants[a].statements))
    report = _verdict(key, profile, principal, None)
    return _access(key, principal, profile, (VIA_KEY_POLICY, sids), allowed, report)


def role_access(
    key: KeyFacts,
    policy: Mapping[str, Any],
    role: verify_key.RoleFacts,
    principal: str,
    profile: model.Profile,
) -> Access | None:
    """What ClickHouse can do on the key by assuming `role`: the actions both the role's own
    policies and the key policy allow the role (IAM needs both within one account)."""
    by_role = _role_allowed(role, key.arn)
    if not by_role:
        return None
    grants = iam_policy.evaluate(policy, role.arn, by_role, key.arn)
    allowed = tuple(a for a, g in grants.items() if g.allowed)
    if not allowed:
        return None
    report = _verdict(key, profile, principal, role)
    return _access(key, principal, profile, (VIA_ROLE, (role.arn,)), allowed, report)


def _role_allowed(role: verify_key.RoleFacts, key_arn: str) -> tuple[str, ...]:
    """IAM's union over a role's policies: an action any of them allows, none of them denies."""
    allowed: set[str] = set()
    denied: set[str] = set()
    for _, document in role.policies:
        try:
            loaded = iam_policy.load(document)
        except InputError:
            continue
        for action, grant in iam_policy.evaluate(loaded, None, _all_actions(), key_arn).items():
            if grant.allowed:
                allowed.add(action)
            if grant.denied_by or grant.may_deny:
                denied.add(action)
    return tuple(a for a in _all_actions() if a in allowed - denied)


# --- Findings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixes:
    """The one place a fix command is rendered. Each is safe to run as printed, in the printed
    order: one write per fix (`cmek grant` repairs a grant in place), never a step that leaves a
    ClickHouse role with less access than it had unless the finding is that access itself."""

    endpoint_url: str | None = None

    def _cmd(self, verb: str, profile: model.Profile, principal: str, key_arn: str) -> str:
        """Shell-quoted (an endpoint URL may hold `$(...)`, `;` or spaces for a shell to run)."""
        import shlex

        who = [] if principal == profile.principal else ["--principal", principal]
        endpoint = ["--endpoint-url", self.endpoint_url] if self.endpoint_url else []
        argv = ["cmek", verb, "--cmek-version", profile.name, *who, "--key-arn", key_arn]
        return shlex.join([*argv, *endpoint, APPLY_FLAG])

    def revoke(self, profile: model.Profile, principal: str, key_arn: str) -> str:
        return self._cmd("revoke", profile, principal, key_arn)

    def grant(self, profile: model.Profile, principal: str, key_arn: str) -> str:
        """Grant exactly the profile's actions: adds what is missing, replaces the ReEncrypt typo
        and narrows a broader statement, in one PutKeyPolicy."""
        return self._cmd("grant", profile, principal, key_arn)


def _listed(actions: Iterable[str]) -> str:
    return ", ".join(actions)


def _named_by(policy: Mapping[str, Any], labels: Iterable[str], principal: str) -> bool:
    """True when one of the labelled Allow statements names `principal` itself (what `cmek
    revoke` can take out), rather than reaching it through "*" or its account."""
    wanted = set(labels)
    return any(
        iam_policy.label(s, i) in wanted and principal in aws_principals(s.get("Principal"))
        for i, s in enumerate(iam_policy.statements(policy))
    )


def key_findings(found: Access, policy: Mapping[str, Any], fixes: Fixes) -> list[Finding]:
    """What is wrong with a key-policy grant: the retired v1 principal; for v2, missing actions,
    more than the profile needs, or a key that is not enabled."""
    sids = _listed(repr(s) for s in found.where)
    key = found.key_arn
    profile = model.PROFILES[found.profile]
    if profile.legacy:
        fix = (
            fixes.revoke(profile, found.principal, key)
            if _named_by(policy, found.where, found.principal)
            else f'edit statement(s) {sids} by hand: they reach it through "*" or its account'
        )
        message = (
            f"the retired v1 principal is still granted {len(found.actions)} action(s) by "
            f"statement(s) {sids} (key {found.state})"
        )
        return [Finding(V1_GRANTED, key, found.principal, message, fix)]
    findings = []
    # An action a Deny overrides is reported by denied_findings: `cmek grant` cannot fix it.
    grants = iam_policy.evaluate(policy, found.principal, found.missing, key)
    missing = [a for a, g in grants.items() if not (g.denied_by or g.may_deny)]
    if missing and not _has_typo(policy, found.principal, key):
        findings.append(
            Finding(
                V2_MISSING,
                key,
                found.principal,
                f"the v2 grant lacks {_listed(missing)}",
                fixes.grant(profile, found.principal, key),
            )
        )
    if found.extra:
        findings.append(_broader(found, fixes.grant(profile, found.principal, key)))
    if found.state != model.KEY_STATE_ENABLED:
        findings.append(_not_enabled(found, fixes.revoke(profile, found.principal, key)))
    return findings


def _broader(found: Access, fix: str) -> Finding:
    return Finding(
        BROADER,
        found.key_arn,
        found.principal,
        f"granted {len(found.extra)} action(s) the {found.profile} profile does not need "
        f"({_listed(found.extra[:5])}{', ...' if len(found.extra) > 5 else ''}) through "
        f"{found.via} {_listed(repr(w) for w in found.where)}",
        fix,
    )


def _not_enabled(found: Access, fix: str) -> Finding:
    return Finding(
        KEY_NOT_ENABLED,
        found.key_arn,
        found.principal,
        f"granted through {found.via} {_listed(repr(w) for w in found.where)} on a key that is "
        f"{found.state}",
        f"{fix} (or, if a service still uses the key: aws kms enable-key --key-id {found.key_arn})",
    )


def _typo_statements(policy: Mapping[str, Any], principal: str, key_arn: str) -> list[str]:
    """The Allow statements on this key that name `principal` and list the ReEncrypt typo."""
    labels = []
    for index, statement in enumerate(iam_policy.statements(policy)):
        if not contract.applies_to_key(statement, key_arn):
            continue
        typo = bool(contract.reencrypt_typos(contract.listed_actions(statement)))
        allows = statement.get("Effect") == iam_policy.ALLOW
        if typo and allows and principal in aws_principals(statement.get("Principal")):
            labels.append(iam_policy.label(statement, index))
    return labels


def _has_typo(policy: Mapping[str, Any], principal: str, key_arn: str) -> bool:
    return bool(_typo_statements(policy, principal, key_arn))


def typo_findings(
    key: KeyFacts, policy: Mapping[str, Any], accounts: Sequence[str], fixes: Fixes
) -> list[Finding]:
    """A v2 principal's statement that lists `kms:ReEncrypt` (not an action: it grants nothing,
    so ReEncryptFrom/To are missing). The fix (`cmek grant`) replaces the typo in place."""
    findings = []
    home = iam_policy.account_of(key.arn)
    for principal, profile in candidates(policy, accounts, key.arn.split(":")[1], home).items():
        if not profile.per_service_role:
            continue
        for sid in _typo_statements(policy, principal, key.arn):
            findings.append(
                Finding(
                    TYPO,
                    key.arn,
                    principal,
                    f"statement {sid!r} lists {model.REENCRYPT_TYPO}, which is not an action and "
                    f"grants nothing: {_listed(model.REENCRYPT_COVERS)} are not granted",
                    fixes.grant(profile, principal, key.arn),
                )
            )
    return findings


# --- Denied grants -------------------------------------------------------------------------------


_MAY_DENY_WHY = "a Condition, or a NotPrincipal that lists only some sessions of the role"


def denied_findings(
    key: KeyFacts, policy: Mapping[str, Any], accounts: Sequence[str]
) -> list[Finding]:
    """A v2 principal granted the profile's actions by an Allow that a Deny overrides, one finding
    per Deny statement. The same evaluator warns in `cmek grant` and fails `verify-key`, so the
    three agree; the fix is by hand (no cmek command edits a Deny)."""
    findings = []
    home = iam_policy.account_of(key.arn)
    for principal, profile in candidates(policy, accounts, key.arn.split(":")[1], home).items():
        if profile.legacy:
            continue
        needed = iam_policy.real_actions(profile.actions)
        grants = iam_policy.evaluate(policy, principal, needed, key.arn).values()
        by_deny: dict[tuple[str, bool], list[str]] = {}
        for grant in grants:
            if grant.statements or grant.conditional:
                for name in grant.denied_by:
                    by_deny.setdefault((name, True), []).append(grant.action)
                for name in grant.may_deny:
                    by_deny.setdefault((name, False), []).append(grant.action)
        for (name, certain), actions in by_deny.items():
            how = "denies" if certain else f"may deny ({_MAY_DENY_WHY})"
            findings.append(
                Finding(
                    V2_DENIED,
                    key.arn,
                    principal,
                    f"statement {name!r} {how} the v2 grant's {_listed(actions)}: a Deny wins "
                    "over any Allow",
                    f"edit statement {name!r} by hand so it spares {principal} (AWS advises a "
                    f"Condition on aws:PrincipalArn over NotPrincipal), or remove "
                    f"{_listed(actions)} from it",
                )
            )
    return findings


# --- Conditional grants --------------------------------------------------------------------------


def conditional_findings(
    key: KeyFacts, policy: Mapping[str, Any], accounts: Sequence[str], fixes: Fixes
) -> list[Finding]:
    """Each Allow under a Condition that would grant a ClickHouse principal actions on the key if
    the request meets it. The evaluator never counts such a grant (it cannot know the request), so
    without this finding a conditional grant to the retired v1 principal went unreported."""
    findings = []
    home = iam_policy.account_of(key.arn)
    listed = iam_policy.statements(policy)
    labels = {iam_policy.label(s, i): s for i, s in enumerate(listed)}
    for principal, profile in candidates(policy, accounts, key.arn.split(":")[1], home).items():
        grants = iam_policy.evaluate(policy, principal, _all_actions(), key.arn)
        by_statement: dict[str, list[str]] = {}
        for action, grant in grants.items():
            if grant.allowed or grant.denied_by:
                continue
            for name in grant.conditional:
                by_statement.setdefault(name, []).append(action)
        for name, actions in by_statement.items():
            findings.append(
                _conditional(key.arn, principal, profile, (name, labels[name]), actions, fixes)
            )
    return findings


def _conditional(
    key_arn: str,
    principal: str,
    profile: model.Profile,
    statement: tuple[str, Mapping[str, Any]],
    actions: list[str],
    fixes: Fixes,
) -> Finding:
    name, body = statement
    condition = json.dumps(body.get("Condition"), sort_keys=True, separators=(",", ":"))
    message = (
        f"statement {name!r} grants the {profile.name} principal {len(actions)} action(s) "
        f"({_listed(actions[:5])}{', ...' if len(actions) > 5 else ''}) when the request meets "
        f"its Condition {condition}"
    )
    if profile.legacy:
        named = principal in aws_principals(body.get("Principal"))
        fix = (
            fixes.revoke(model.V1, principal, key_arn)
            if named
            else f'edit statement {name!r} by hand: it reaches it through "*" or its account'
        )
        return Finding(V1_CONDITIONAL, key_arn, principal, message, fix)
    fix = (
        f"check that ClickHouse's requests meet the Condition of statement {name!r}, or drop "
        f"it: {fixes.grant(model.V2, principal, key_arn)}"
    )
    return Finding(CONDITIONAL, key_arn, principal, message, fix)


def role_access_findings(found: Access) -> list[Finding]:
    """A v2-shaped role path on a key that is not enabled, or broader than the profile. (A v1
    role's path is covered by the v1-role finding: the role goes.)"""
    if model.PROFILES[found.profile].legacy:
        return []
    role = found.where[0]
    fix = f"remove {found.key_arn} from the policies of role {role} (or narrow them)"
    findings = []
    if found.extra:
        findings.append(_broader(found, fix))
    if found.state != model.KEY_STATE_ENABLED:
        findings.append(_not_enabled(found, fix))
    return findings


def role_findings(role: verify_key.RoleFacts, accounts: Sequence[str]) -> list[Finding]:
    """A role in the account that the retired v1 principal can still assume."""
    if model.V1.principal not in trusted(role.trust, accounts, iam_policy.account_of(role.arn)):
        return []
    name = role.arn.rsplit("/", 1)[1]
    stack_role = name.startswith(model.ROLE_NAME_PREFIX) or any(
        label == f"inline {model.ROLE_POLICY_NAME}" for label, _ in role.policies
    )
    if stack_role:
        kind = "the v1 existing-key stack's role"
        fix = f"delete the v1 existing-key stack that created role {name} (or the role itself)"
    else:
        kind = "a role"
        fix = f"delete role {name}, or remove {model.V1.principal} from its trust policy"
    message = f"{kind} {role.arn} still trusts the retired v1 principal"
    return [Finding(V1_ROLE, role.arn, model.V1.principal, message, fix)]


def _unreadable_finding(failure: Unreadable) -> Finding:
    if failure.code in NOT_ENABLED_CODES:
        fix = f"enable {failure.where} for the account, or leave it out of --region"
    else:
        fix = "run the audit with credentials that may list and read keys and roles there"
    message = f"could not read {failure.where}: {failure.error}"
    return Finding(UNREADABLE, failure.where, "", message, fix)


def _unreadable_key(key: KeyFacts, why: str = "") -> Finding:
    fix = "read the key with credentials its key policy allows (kms:DescribeKey, GetKeyPolicy)"
    return Finding(UNREADABLE, key.arn, "", f"could not read the key: {why or key.error}", fix)


def not_audited(account: str, regions: tuple[str, ...], why: str, role: str) -> Report:
    """The report of an organization account that could not be entered (or is not active): one
    finding, and no region read."""
    failures = tuple(Unreadable(region, "", why) for region in regions)
    fix = (
        f"let the organization's account assume role {role} in account {account} (its trust "
        "policy, a service control policy), or leave it out with --exclude-account"
    )
    message = f"account {account} was not audited: {why}"
    finding = Finding(ACCOUNT_NOT_AUDITED, account, "", message, fix)
    return Report(Inventory(regions, (), (), failures), (), (finding,))
