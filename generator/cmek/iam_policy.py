"""IAM policy evaluation for one principal, small and offline: who may do what under one policy.

`cmek grant`/`revoke`, `verify-key` and the audit ask the same question of a key policy: does it
let this principal perform these actions on this key? No maintained Python library answers it for
resource policies with principals (policyuniverse's action list stops in 2023 and it does not
evaluate; policy_sentry and parliament write and lint policies; iam-ape and principalmapper evaluate
an account's identity policies from GetAccountAuthorizationDetails, not a key policy's Principal or
NotPrincipal), so the rules of AWS's "Policy evaluation logic" and "IAM JSON policy elements" pages
that key policies use are kept here, in one module:

- Action/NotAction: case-insensitive, `*` and `?` wildcards, the service prefix is part of the
  pattern (`kms:Re*` covers `kms:ReEncryptFrom`; `kms:ReEncrypt` is not an action and covers
  nothing but itself).
- Principal/NotPrincipal: `"*"` or `{"AWS": "*"}` is everyone; an ARN matches exactly and with its
  case (IAM compares the ARN the policy holds; a wildcard inside a principal ARN matches nothing,
  as AWS documents "you cannot use a wildcard to match part of a principal name or ARN"); an account
  root ARN or a bare account id names the account. A role ARN also matches the role's sessions
  (`arn:aws:sts::ACCT:assumed-role/NAME/SESSION`). NotPrincipal is only valid with Deny (AWS); it
  excludes a principal only when every identity AWS evaluates for it is listed (its account, its
  role, its session), as AWS documents for NotPrincipal. A role ARN is evaluated as the sessions
  that use it (ClickHouse calls KMS from a session of the role): a Deny whose NotPrincipal lists
  the role and its account but no session of it applies to every session; one that also lists a
  session of the role *may* deny (it spares only that session name, which cmek cannot know).
- Resource/NotResource: ARN wildcards, case-sensitive. A statement with neither (a role's trust
  policy) applies to the resource it is attached to.
- Explicit Deny wins over any Allow.
- Conditions cannot be evaluated offline (they test the request). An Allow with a Condition is
  reported in `conditional` and never counted as allowing. A Deny with a Condition *may* deny: it
  is reported in `may_deny`, and `allowed` is False while any such statement matches (the safe
  reading: a check that says "granted" must hold for every request).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cmek.errors import InputError, quote

ALLOW = "Allow"
DENY = "Deny"
# Grant.via values.
VIA_PRINCIPAL = "principal"
VIA_ACCOUNT = "account"
# A NotPrincipal Deny that spares only named sessions of a role: it may apply (_not_principal_via).
_VIA_OTHER_SESSIONS = "other-sessions"
KMS_SERVICE = "kms"
ANY = "*"

_ARN_RE = re.compile(
    r"arn:(?P<partition>[a-z-]+):(?P<service>iam|sts)::(?P<account>[0-9]{12}):(?P<resource>.+)"
)
_ACCOUNT_RE = re.compile(r"[0-9]{12}")
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)


@dataclass(frozen=True)
class Grant:
    """The verdict for one action of one principal under one policy.

    `allowed` is True only if an unconditional Allow matches and no Deny (conditional or not)
    matches. `via` is "principal" when an allowing statement names the principal itself (or "*"),
    "account" when only a statement naming the principal's account does (in IAM that allows it only
    if an identity policy in that account also allows it; a principal of another account gets
    nothing from it), and "" when not allowed. Labels are the statement's Sid, else "#<index>".
    """

    action: str
    allowed: bool
    via: str
    statements: tuple[str, ...]
    denied_by: tuple[str, ...]
    conditional: tuple[str, ...]
    may_deny: tuple[str, ...] = ()


# --- Loading -------------------------------------------------------------------------------------


def load(document: str | dict) -> dict:
    """The policy as a dict, its shape checked; one-line `InputError` when it is malformed.

    The returned dict is the parsed document itself (statements untouched), so a caller can write
    back every statement it does not own exactly as it was. Duplicate JSON keys are refused: IAM
    rejects them, and json would silently keep the last one.
    """
    if isinstance(document, str):
        try:
            policy = json.loads(
                document, object_pairs_hook=_no_duplicates, parse_constant=_no_constant
            )
        except json.JSONDecodeError as exc:
            raise InputError(
                f"policy is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except RecursionError:
            raise InputError("policy is not JSON: nested too deeply") from None
    else:
        policy = document
    if not isinstance(policy, dict):
        raise InputError(f"policy: expected a JSON object, found {type(policy).__name__}")
    _check_values(policy)
    for index, statement in enumerate(statements(policy)):
        _check_statement(statement, index)
    return policy


def statements(policy: Mapping[str, Any]) -> list[dict]:
    """The policy's statements as a list (IAM accepts one statement object or a list)."""
    if "Statement" not in policy:
        raise InputError("policy: no Statement element")
    found = policy["Statement"]
    listed = found if isinstance(found, list) else [found]
    for index, statement in enumerate(listed):
        if not isinstance(statement, dict):
            raise InputError(f"policy statement #{index}: expected a JSON object")
    return listed


def label(statement: Mapping[str, Any], index: int) -> str:
    sid = statement.get("Sid")
    return sid if isinstance(sid, str) and sid else f"#{index}"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise InputError(f"policy: duplicate key {quote(key)}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (RFC 8259) and IAM refuses them; Python's json accepts them."""
    raise InputError(f"policy: {quote(name)} is not a JSON value")


def _check_values(policy: dict) -> None:
    """What JSON's syntax lets through and IAM refuses: a lone surrogate (`"\\ud800"`, not
    Unicode: it cannot be written back as UTF-8) and, in a policy given as a dict (an SDK parsed
    it), NaN or Infinity."""
    try:
        json.dumps(policy, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        raise InputError(
            f"policy: holds a lone UTF-16 surrogate ({bad.encode('unicode_escape').decode()}); "
            "expected Unicode text"
        ) from None
    except (ValueError, TypeError):
        raise InputError("policy: holds NaN, Infinity or a value that is not JSON") from None


def _check_statement(statement: Mapping[str, Any], index: int) -> None:
    where = f"policy statement {quote(label(statement, index))}"
    unknown = sorted(set(statement) - _STATEMENT_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown element {quote(unknown[0])}")
    if statement.get("Effect") not in (ALLOW, DENY):
        raise InputError(f"{where}: Effect must be {ALLOW!r} or {DENY!r}")
    for pair in (
        ("Action", "NotAction"),
        ("Principal", "NotPrincipal"),
        ("Resource", "NotResource"),
    ):
        if all(key in statement for key in pair):
            raise InputError(f"{where}: both {pair[0]} and {pair[1]}")
    if not any(key in statement for key in ("Action", "NotAction")):
        raise InputError(f"{where}: no Action or NotAction")
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in statement:
            _strings(statement[key], f"{where} {key}")
    for key in ("Principal", "NotPrincipal"):
        if key in statement:
            _check_principal(statement[key], f"{where} {key}")
    if "NotPrincipal" in statement and statement["Effect"] == ALLOW:
        raise InputError(f"{where}: NotPrincipal with Allow is not supported by AWS")
    if "Condition" in statement and not isinstance(statement["Condition"], dict):
        raise InputError(f"{where} Condition: expected a JSON object")
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        raise InputError(f"{where} Sid: expected a string")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    """A string-or-list element as a tuple of strings; `InputError` for anything else."""
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        raise InputError(f"{where}: expected a string or a non-empty list of strings")
    return tuple(values)


def _check_principal(value: Any, where: str) -> None:
    if value == ANY:
        return
    if not isinstance(value, dict) or not value:
        raise InputError(f'{where}: expected "*" or an object like {{"AWS": ARN}}')
    for kind, entries in value.items():
        _strings(entries, f"{where} {kind}")


# --- Matching ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    text = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(text, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


@functools.lru_cache(maxsize=65536)
def action_matches(pattern: str, action: str) -> bool:
    """IAM's action match: case-insensitive, `*` and `?`, the service prefix included.

    Cached: a check evaluates every KMS action against each statement of each document, for every
    principal and key, twice (CMEK-GRANT-001, CMEK-CFN-002); the pairs repeat across all of them.
    """
    if pattern == ANY:
        return True
    if ":" not in pattern:
        return False
    return _wildcard(pattern, True).fullmatch(action) is not None


def resource_matches(pattern: str, resource: str) -> bool:
    """ARN match with `*` and `?`, case-sensitive. An unknown resource ("*") matches any pattern."""
    return resource == ANY or _wildcard(pattern, False).fullmatch(resource) is not None


@functools.cache
def cfn_lint_policies() -> dict[str, Any]:
    """cfn-lint's maintained offline list of IAM services and actions (its Policies.json), parsed
    once per process: `kms_actions` and CMEK-CFN-002 both read it, and parsing takes 80 ms. The
    file is found without importing cfn-lint (0.5 s: sympy, networkx), which `cmek check` runs in
    another process."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("cfn-lint is not installed")
    package = spec.submodule_search_locations[0]
    path = os.path.join(package, "data/AdditionalSpecs/Policies.json")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@functools.cache
def kms_actions() -> tuple[str, ...]:
    """Every real KMS action, from cfn-lint's Policies.json (the freshest offline list; lower case
    there), spelled as AWS does (awacs.kms, else botocore's operation names)."""
    import awacs.kms
    from awacs.aws import Action

    names = cfn_lint_policies()[KMS_SERVICE]["Actions"]
    spelled = {
        a.action.lower(): a.action for a in vars(awacs.kms).values() if isinstance(a, Action)
    }
    if any(name not in spelled for name in names):  # newer than awacs: botocore (0.1 s) spells it
        import botocore.session

        model = botocore.session.get_session().get_service_model(KMS_SERVICE)
        spelled = {op.lower(): op for op in model.operation_names} | spelled
    return tuple(sorted(f"{KMS_SERVICE}:{spelled.get(name, name)}" for name in names))


def expand_actions(pattern: str) -> tuple[str, ...]:
    """The real KMS actions a pattern covers (none for `kms:ReEncrypt`, which is not an action)."""
    return tuple(action for action in kms_actions() if action_matches(pattern, action))


def real_actions(patterns: Iterable[str]) -> tuple[str, ...]:
    """The real actions a list of declared patterns stands for, each once, in order: a profile's
    `kms:ReEncrypt*` is `kms:ReEncryptFrom` and `kms:ReEncryptTo`, each to be allowed on its own.
    A pattern that covers no real KMS action is kept as written, so it is judged, not dropped."""
    found: dict[str, None] = {}
    for pattern in patterns:
        for action in expand_actions(pattern) or (pattern,):
            found[action] = None
    return tuple(found)


# --- Principals ----------------------------------------------------------------------------------


def account_of(arn: str) -> str:
    """The account of an ARN ("" when the value is not ARN-shaped, such as "*")."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def aws_principals(element: Any) -> list[str]:
    """The strings under "AWS" of a Principal element (none for "*", services or federation)."""
    if not isinstance(element, dict):
        return []
    values = element.get("AWS", [])
    return [values] if isinstance(values, str) else [v for v in values if isinstance(v, str)]


@dataclass(frozen=True)
class _Identity:
    """What AWS evaluates for a caller: its own ARNs (a session and its role) and its account."""

    own: frozenset[str]
    root: str
    # The role's session ARN prefix when a role ARN was given: AWS evaluates its sessions.
    sessions: str = ""

    @property
    def roots(self) -> frozenset[str]:
        """The spellings that name the caller's account: its root ARN, and a bare account id
        (which a policy means in its own partition, the only one its key can be used from)."""
        return frozenset({self.root, _bare_account(self.root.split(":")[4])} if self.root else ())


def _bare_account(account: str) -> str:
    return f"account:{account}"


def _canonical(value: str) -> str:
    """One spelling per principal: a bare account id is the account in any partition (it is not an
    ARN), and a role ARN drops its path (a role's name is unique in its account, and a session ARN
    carries only the name)."""
    if _ACCOUNT_RE.fullmatch(value):
        return _bare_account(value)
    match = _ARN_RE.fullmatch(value)
    if match and match["service"] == "iam" and match["resource"].startswith("role/"):
        name = match["resource"].rsplit("/", 1)[1]
        return f"arn:{match['partition']}:iam::{match['account']}:role/{name}"
    return value


def _identity(principal: str) -> _Identity:
    principal = _canonical(principal)
    match = _ARN_RE.fullmatch(principal)
    if not match:
        return _Identity(frozenset({principal}), "")
    own = {principal}
    parts = match["resource"].split("/")
    partition, account = match["partition"], match["account"]
    sessions = ""
    if match["service"] == "sts" and parts[0] == "assumed-role" and len(parts) == 3:
        own.add(f"arn:{partition}:iam::{account}:role/{parts[1]}")
    elif match["service"] == "iam" and parts[0] == "role":
        sessions = f"arn:{partition}:sts::{account}:assumed-role/{parts[-1]}/"
    return _Identity(frozenset(own), f"arn:{partition}:iam::{account}:root", sessions)


def _principal_values(element: Any) -> frozenset[str]:
    """The AWS principals a Principal element names, canonical; `*` for everyone. Service and
    federated principals never match an IAM principal."""
    if element == ANY:
        return frozenset({ANY})
    values = element.get("AWS", ())
    values = (values,) if isinstance(values, str) else tuple(values)
    return frozenset(_canonical(v) for v in values)


def _principal_via(statement: Mapping[str, Any], identity: _Identity) -> str:
    """How the statement's Principal/NotPrincipal reaches the identity: "principal", "account",
    or "" (it does not apply)."""
    if "NotPrincipal" in statement:
        return _not_principal_via(_principal_values(statement["NotPrincipal"]), identity)
    values = _principal_values(statement["Principal"])
    own = identity.own | identity.roots if identity.root in identity.own else identity.own
    if ANY in values or own & values:
        return VIA_PRINCIPAL
    if identity.roots & values:
        return VIA_ACCOUNT
    return ""


def _not_principal_via(listed: frozenset[str], identity: _Identity) -> str:
    """Whether a NotPrincipal (Deny) statement reaches the identity: it is spared only when every
    identity AWS evaluates for the request is listed. For a role, the request comes from a session
    of it: listing the role and its account without a session spares nobody; listing a session
    spares that session name only, so the statement may still apply (`_VIA_OTHER_SESSIONS`)."""
    if ANY in listed:
        return ""
    if not identity.own - {identity.root} <= listed or (
        identity.root and not identity.roots & listed
    ):
        return VIA_PRINCIPAL
    if not identity.sessions:
        return ""
    if any(value.startswith(identity.sessions) for value in listed):
        return _VIA_OTHER_SESSIONS
    return VIA_PRINCIPAL


# --- Evaluation ----------------------------------------------------------------------------------


def _applies_to_action(statement: Mapping[str, Any], action: str) -> bool:
    if "Action" in statement:
        return any(action_matches(p, action) for p in _strings(statement["Action"], "Action"))
    return not any(action_matches(p, action) for p in _strings(statement["NotAction"], "NotAction"))


def _applies_to_resource(statement: Mapping[str, Any], resource: str) -> bool:
    if "Resource" in statement:
        patterns = _strings(statement["Resource"], "Resource")
        return any(resource_matches(p, resource) for p in patterns)
    if "NotResource" in statement:
        patterns = _strings(statement["NotResource"], "NotResource")
        if resource == ANY:
            return ANY not in patterns
        return not any(resource_matches(p, resource) for p in patterns)
    return True


def _statement_via(statement: Mapping[str, Any], identity: _Identity | None) -> str:
    has_principal = "Principal" in statement or "NotPrincipal" in statement
    if identity is None:
        # An identity policy: its statements name no principal and apply to their holder.
        return "" if has_principal else VIA_PRINCIPAL
    return _principal_via(statement, identity) if has_principal else ""


def evaluate(
    policy: Mapping[str, Any],
    principal: str | None,
    actions: Iterable[str],
    resource: str = ANY,
) -> dict[str, Grant]:
    """Each action's `Grant` for `principal` under `policy` (already `load`ed).

    `principal=None` evaluates an identity policy (an IAM role's own policies). `resource` is the
    key ARN; "*" (unknown) lets every Resource match.
    """
    identity = None if principal is None else _identity(principal)
    applicable = []
    for index, statement in enumerate(statements(policy)):
        via = _statement_via(statement, identity)
        if via and _applies_to_resource(statement, resource):
            applicable.append((label(statement, index), statement, via))
    return {action: _grant(action, applicable) for action in actions}


def _grant(action: str, applicable: list[tuple[str, Mapping[str, Any], str]]) -> Grant:
    allows: list[tuple[str, str]] = []
    denied, conditional, may_deny = [], [], []
    for name, statement, via in applicable:
        if not _applies_to_action(statement, action):
            continue
        conditioned = bool(statement.get("Condition")) or via == _VIA_OTHER_SESSIONS
        if statement["Effect"] == DENY:
            (may_deny if conditioned else denied).append(name)
        elif conditioned:
            conditional.append(name)
        else:
            allows.append((name, via))
    allowed = bool(allows) and not denied and not may_deny
    vias = {via for _, via in allows}
    via = (VIA_PRINCIPAL if VIA_PRINCIPAL in vias else VIA_ACCOUNT) if allowed else ""
    return Grant(
        action=action,
        allowed=allowed,
        via=via,
        statements=tuple(name for name, _ in allows),
        denied_by=tuple(denied),
        conditional=tuple(conditional),
        may_deny=tuple(may_deny),
    )
