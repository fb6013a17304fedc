"""Effective grants: every policy document an artifact holds, evaluated, must grant exactly what the
model says and nothing more.

Wherever a document lives (a key policy, a role's trust and inline policies, an AWS::IAM::Policy,
ManagedPolicy or RolePolicy, an AWS::KMS::Grant, the snippet, cmek-policy's Terraform documents
from `terraform apply`), it is evaluated with cmek/iam_policy.py (wildcards, NotAction,
NotPrincipal, explicit Deny) for every principal it names plus probes (a principal of another
account, one of the key's account), every real KMS action plus actions of other services, and the
keys it should and should not reach. Allow conditions are assumed to hold (they cannot be
evaluated offline, and the widest reading is the safe one for extras); a conditional Deny counts
only against what the model requires (ClickHouse may lose the key). The result is compared with
the model: the ClickHouse principal gets its profile's actions, the account root `kms:*` on a new
key, key administrators model.KEY_ADMIN_ACTIONS, the role's trust sts:AssumeRole to ClickHouse.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from cmek import contract, iam_policy, model
from cmek.checks import DistDir, Problems, check, sources, tf_files, tf_runs
from cmek.checks.cloudformation.resolution import SAMPLE_KEY_ARNS, Scenario, every_scenario
from cmek.checks.registry import judging
from cmek.errors import InputError
from cmek.model import TfModule, TfOutput, TfVar
from cmek.render.tf_interface import v1_principal

# A grant: principal (or the identity policy's holder) -> resource -> actions.
Grants = dict[str, dict[str, frozenset[str]]]
ANY_PRINCIPAL = "any principal (*)"
KEY_ITSELF = "*"
_PROBE_RESOURCES = (model.PROBE_FOREIGN_KEY_ARN, "arn:aws:s3:::cmek-probe/object")


@dataclass(frozen=True)
class Document:
    """One policy document: where it lives, whom it binds, and what the model lets it grant.

    `holder` is set for identity policies (the role or user it is attached to); resource policies
    name their principals. `expected` maps principal -> resource -> actions.
    """

    where: str
    policy: Any
    expected: Grants
    holder: str | None = None
    resources: tuple[str, ...] = (KEY_ITSELF,)


@cache
def all_kms() -> frozenset[str]:
    return frozenset(iam_policy.kms_actions())


def expand(patterns: Iterable[str]) -> frozenset[str]:
    """The real actions `patterns` cover (KMS wildcards expanded; other actions as written)."""
    found: set[str] = set()
    for pattern in patterns:
        found |= (
            set(iam_policy.expand_actions(pattern)) if pattern.startswith("kms:") else {pattern}
        )
    return frozenset(found)


def _strip(policy: dict[str, Any], keep_conditional_denies: bool) -> dict[str, Any]:
    """The policy read with every Allow condition holding; conditional Denies kept or dropped."""
    stripped = copy.deepcopy(policy)
    kept = []
    for statement in iam_policy.statements(stripped):
        if statement.get("Condition") and statement.get("Effect") == iam_policy.DENY:
            if keep_conditional_denies:
                kept.append(statement)
            continue
        if statement.get("Effect") == iam_policy.ALLOW:
            statement.pop("Condition", None)
        kept.append(statement)
    stripped["Statement"] = kept
    return stripped


def _named_principals(policy: dict[str, Any]) -> set[str]:
    named: set[str] = set()
    for statement in iam_policy.statements(policy):
        for key in ("Principal", "NotPrincipal"):
            element = statement.get(key)
            if isinstance(element, dict):
                values = element.get("AWS", [])
                named |= {values} if isinstance(values, str) else set(values)
    return named - {iam_policy.ANY}


def _foreign_principal_kinds(policy: dict[str, Any]) -> Iterator[str]:
    for index, statement in enumerate(iam_policy.statements(policy)):
        for key in ("Principal", "NotPrincipal"):
            element = statement.get(key)
            if isinstance(element, dict):
                for kind in sorted(set(element) - {"AWS"}):
                    label = iam_policy.label(statement, index)
                    yield f"statement {label!r} names a {kind} principal; the model names none"


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _actions(policy: dict[str, Any]) -> list[str]:
    """Every real KMS action, the probes, and each other action the policy spells out."""
    named = {
        action
        for statement in iam_policy.statements(policy)
        for key in ("Action", "NotAction")
        for action in _listed(statement.get(key, []))
        if "*" not in action and "?" not in action
    }
    return sorted(all_kms() | set(model.PROBE_ACTIONS) | named)


def _evaluate(doc: Document, policy: dict[str, Any]) -> Grants:
    actions = _actions(policy)
    if doc.holder is not None:
        subjects: list[tuple[str | None, str]] = [(None, doc.holder)]
    else:
        subjects = [(p, p) for p in sorted(_named_principals(policy))]
        subjects += [
            (model.PROBE_FOREIGN_PRINCIPAL, ANY_PRINCIPAL),
            (model.PROBE_ACCOUNT_PRINCIPAL, ANY_PRINCIPAL),
        ]
    grants: Grants = {}
    for principal, label in subjects:
        for resource in doc.resources:
            verdicts = iam_policy.evaluate(policy, principal, actions, resource)
            allowed = {
                a
                for a, g in verdicts.items()
                if g.allowed and (principal is None or g.via == iam_policy.VIA_PRINCIPAL)
            }
            if allowed:
                mine = grants.setdefault(label, {})
                mine[resource] = mine.get(resource, frozenset()) | allowed
    return grants


def _shown(actions: frozenset[str], beside: frozenset[str] = frozenset()) -> str:
    """Actions as a reader wants them: `kms:*` when they (with what is allowed) cover every KMS
    action, else the sorted list."""
    kms = actions & all_kms()
    rest = sorted(actions - all_kms())
    if kms and kms | beside >= all_kms():
        shown = "kms:* (every KMS action)" if not beside & all_kms() else "every other KMS action"
        return shown + (f" and {rest}" if rest else "")
    return str(sorted(actions))


def _on(resources: list[str]) -> str:
    listed = [r for r in resources if r != KEY_ITSELF]
    return f" on {listed}" if listed else ""


def _extras(doc: Document, widest: Grants) -> Iterator[str]:
    """One problem per principal and set of extra actions, naming the resources they reach."""
    wildcard = widest.get(ANY_PRINCIPAL, {})
    for principal, by_resource in sorted(widest.items()):
        grouped: dict[tuple[frozenset[str], frozenset[str]], list[str]] = {}
        for resource, actions in sorted(by_resource.items()):
            allowed = doc.expected.get(principal, {}).get(resource, frozenset())
            extra = actions - allowed
            if principal != ANY_PRINCIPAL:
                extra -= wildcard.get(resource, frozenset())
            if extra:
                grouped.setdefault((extra, allowed), []).append(resource)
        for (extra, allowed), resources in grouped.items():
            shown = _shown(extra, allowed)
            yield f"{doc.where} grants {principal} {shown}{_on(resources)}, beyond the model"


def judge(doc: Document) -> Iterator[str]:
    """Problems of one document: malformed, foreign principal kinds, extra and missing grants."""
    try:
        policy = iam_policy.load(doc.policy if isinstance(doc.policy, dict) else str(doc.policy))
    except InputError as exc:
        yield f"{doc.where}: cannot be evaluated: {exc}"
        return
    yield from (f"{doc.where}: {p}" for p in _foreign_principal_kinds(policy))
    widest = _evaluate(doc, _strip(policy, keep_conditional_denies=False))
    narrowest = _evaluate(doc, _strip(policy, keep_conditional_denies=True))
    yield from _extras(doc, widest)
    yield from _missing(doc, narrowest)


def _missing(doc: Document, narrowest: Grants) -> Iterator[str]:
    """One problem per principal and set of missing actions, naming the resources."""
    for principal, by_resource in sorted(doc.expected.items()):
        grouped: dict[frozenset[str], list[str]] = {}
        for resource, actions in sorted(by_resource.items()):
            missing = actions - narrowest.get(principal, {}).get(resource, frozenset())
            if missing:
                grouped.setdefault(missing, []).append(resource)
        for missing, resources in grouped.items():
            yield f"{doc.where} does not grant {principal} {_shown(missing)}{_on(resources)}"


# --- CloudFormation ------------------------------------------------------------------------------


def _v1_principal(dist: DistDir) -> str:
    return v1_principal(dist.config)


def _root() -> str:
    return contract.account_root(model.COMMERCIAL_PARTITION, model.EXAMPLE_ACCOUNT)


def _key_expected(scenario: Scenario, v1: str) -> Grants:
    """The new key's grants in a scenario: root kms:*, v1 unless dropped, v2 when given."""
    expected: Grants = {_root(): {KEY_ITSELF: all_kms()}}
    keep_v1 = scenario.given.get(model.PARAM_KEEP_V1_ACCESS, model.KEEP_V1_ACCESS_VALUES[0])
    if scenario.stack.profile.legacy and keep_v1 == model.KEEP_V1_ACCESS_VALUES[0]:
        expected[v1] = {KEY_ITSELF: expand(model.V1.actions)}
    v2 = scenario.given.get(model.PARAM_ENCRYPTION_ROLE_ARN)
    if v2:
        expected[v2] = {KEY_ITSELF: expand(model.V2.actions)}
    return expected


def _role_documents(lid: str, props: dict[str, Any], scenario: Scenario, v1: str) -> Iterator:
    ours = lid == model.ROLE_LOGICAL_ID
    trust = {v1: {KEY_ITSELF: frozenset({model.ASSUME_ROLE_ACTION})}} if ours else {}
    yield Document(f"trust policy of {lid}", props.get("AssumeRolePolicyDocument"), trust)
    actions = expand(scenario.stack.profile.actions)
    inline = {f"role {lid}": {key: actions for key in SAMPLE_KEY_ARNS}} if ours else {}
    for policy in props.get("Policies") or []:
        name = policy.get("PolicyName") if isinstance(policy, dict) else None
        yield Document(
            f"policy {name} of {lid}",
            policy.get("PolicyDocument") if isinstance(policy, dict) else policy,
            inline,
            holder=f"role {lid}",
            resources=(*SAMPLE_KEY_ARNS, *_PROBE_RESOURCES),
        )


def _attached(lid: str, value: Any) -> str:
    arns = value if isinstance(value, list) else [value]
    return f"{lid} attaches managed policies {arns}; the model attaches none"


def _holders(props: dict[str, Any]) -> str:
    """Whom an attached policy binds (a Ref resolves to "<LogicalId>")."""
    names = [
        str(v).strip("<>")
        for key in ("Roles", "Users", "Groups", "RoleName", "UserName", "GroupName")
        for v in (props.get(key) if isinstance(props.get(key), list) else [props.get(key)])
        if v is not None
    ]
    return ", ".join(names) or "nobody named"


def _kms_grant(lid: str, props: dict[str, Any]) -> str:
    operations = props.get("Operations")
    return (
        f"AWS::KMS::Grant {lid} grants {props.get('GranteePrincipal')} {operations} on key "
        f"{props.get('KeyId')}; the model grants nothing through KMS grants"
    )


def cfn_documents(scenario: Scenario, v1: str) -> Iterator[Document | str]:
    """Every policy document of a scenario, or a problem naming a grant it cannot evaluate."""
    for lid, resource in scenario.resources.items():
        props = resource.get("Properties") or {}
        kind = resource.get("Type")
        if "KeyPolicy" in props:
            ours = lid == model.KEY_LOGICAL_ID and kind == model.CFN_KEY.type
            expected = _key_expected(scenario, v1) if ours else {}
            yield Document(f"key policy of {lid}", props["KeyPolicy"], expected)
        if kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            if "AssumeRolePolicyDocument" in props or kind == "AWS::IAM::Role":
                yield from _role_documents(lid, props, scenario, v1)
            if props.get("ManagedPolicyArns"):
                yield _attached(lid, props["ManagedPolicyArns"])
        elif kind == "AWS::KMS::Grant":
            yield _kms_grant(lid, props)
        elif "PolicyDocument" in props:
            yield Document(
                f"{kind} {lid}",
                props["PolicyDocument"],
                {},
                holder=_holders(props),
                resources=(*SAMPLE_KEY_ARNS, *_PROBE_RESOURCES),
            )


@check(
    "CMEK-GRANT-001",
    "In every CloudFormation scenario (each accepted class of parameters, each condition on where "
    "the stack runs both ways) the effective grants of every policy document (key, trust, "
    "inline and attached policies, KMS grants) equal the model's: nothing more, nothing less.",
    sources.IAM_EVALUATION,
)
def cloudformation(dist: DistDir) -> Problems:
    v1 = _v1_principal(dist)
    for scenario in every_scenario(dist):
        with judging(scenario.stack.path):
            for item in cfn_documents(scenario, v1):
                problems = [item] if isinstance(item, str) else judge(item)
                for problem in problems:
                    yield scenario.stack.path, problem, scenario.label


# --- Terraform -----------------------------------------------------------------------------------

# The one policy wiring the modules have: each resource argument reads cmek-policy's output.
TF_POLICY_WIRING: dict[tuple[str, str], str] = {
    ("aws_iam_role", "assume_role_policy"): f"module.policy.{TfOutput.TRUST_POLICY_JSON.value}",
    ("aws_iam_role_policy", "policy"): f"module.policy.{TfOutput.ROLE_POLICY_JSON.value}",
    ("aws_kms_key", "policy"): f"module.policy.{TfOutput.KEY_POLICY_JSON.value}",
    ("aws_kms_key_policy", "policy"): f"module.policy.{TfOutput.KEY_POLICY_JSON.value}",
}
# Arguments through which a Terraform resource or data source grants or attaches permissions.
TF_GRANT_ARGUMENTS = (
    "policy",
    "assume_role_policy",
    "inline_policy",
    "managed_policy_arns",
    "policy_arn",
    "policy_arns",
    "grantee_principal",
    "statement",
    "source_policy_documents",
    "override_policy_documents",
)


def _shown_value(value: Any) -> str:
    text = tf_files.literal(value)
    if text is None:
        text = tf_files.expression(value) or json.dumps(value, default=str)
    return str(text)[:100]


def _static_problems(path: str, kind: str, labels: tuple[str, ...], body: dict) -> Iterator[str]:
    name = ".".join(labels)
    resource_type = labels[0] if labels else ""
    for argument in TF_GRANT_ARGUMENTS:
        if argument not in body:
            continue
        value = body[argument]
        wired = TF_POLICY_WIRING.get((resource_type, argument))
        if kind == "resource" and wired and tf_files.expression(value) == wired:
            continue
        if resource_type == "aws_kms_grant" and argument == "grantee_principal":
            operations = [tf_files.literal(o) for o in body.get("operations") or []]
            yield (
                f"{kind} {name} grants {_shown_value(value)} {operations} on key "
                f"{_shown_value(body.get('key_id'))}; the model grants nothing through KMS grants"
            )
        else:
            yield (
                f"{kind} {name} {argument} = {_shown_value(value)}: the model grants or attaches "
                "nothing but cmek-policy's documents"
            )


def terraform_static(dist: DistDir) -> Problems:
    for relpath, doc in tf_files.parsed(dist).items():
        if not isinstance(doc, dict) or not relpath.endswith(".tf"):
            continue
        for kind in ("resource", "data"):
            for labels, body in tf_files.blocks(doc, kind):
                for problem in _static_problems(relpath, kind, labels, body):
                    yield relpath, problem


def tf_documents(outputs: dict[str, Any], profile: model.Profile, principal: str, admins: list):
    """cmek-policy's applied documents, each with what the model lets it grant."""
    keys = list(tf_runs.SAMPLE_INPUTS[TfVar.KMS_KEY_ARNS])
    key = {_root(): {KEY_ITSELF: all_kms()}, principal: {KEY_ITSELF: expand(profile.actions)}}
    for admin in admins:
        key[admin] = {KEY_ITSELF: expand(model.KEY_ADMIN_ACTIONS)}
    statement = {principal: {KEY_ITSELF: expand(profile.actions)}}
    docs = {TfOutput.KEY_POLICY_JSON: key, TfOutput.CLICKHOUSE_STATEMENT_JSON: statement}
    if profile.name in model.TF_ROLE_PROFILES:
        docs[TfOutput.TRUST_POLICY_JSON] = {
            principal: {KEY_ITSELF: frozenset({model.ASSUME_ROLE_ACTION})}
        }
        docs[TfOutput.ROLE_POLICY_JSON] = {"role": {k: expand(profile.actions) for k in keys}}
    for output, expected in docs.items():
        text = outputs.get(output.value)
        if not isinstance(text, str):
            continue  # a missing document is CMEK-TF-005's finding
        holder = "role" if output == TfOutput.ROLE_POLICY_JSON else None
        resources = (*keys, *_PROBE_RESOURCES) if holder else (KEY_ITSELF,)
        yield Document(output.value, text, expected, holder=holder, resources=resources)


def _applied(dist: DistDir) -> Iterator[tuple[str, dict[str, Any] | str, dict[str, Any]]]:
    """(scenario, outputs or the failure, inputs) of each apply of cmek-policy: the runs CMEK-TF-005
    judges too (its own scenarios' failures are its findings, so they are skipped here)."""
    from cmek import terraform_runner

    runs = tf_runs.runs(dist)
    for name in tf_runs.SCENARIOS:
        try:
            outputs: dict[str, Any] | str = runs.outputs(name)
        except (terraform_runner.TerraformError, OSError) as exc:
            if name in tf_runs.SAMPLE_INPUTS_BY_PROFILE:
                continue  # reported by CMEK-TF-005
            outputs = " ".join(str(exc).split())[:200]
        yield name, outputs, tf_runs.SCENARIOS[name]


@check(
    "CMEK-GRANT-002",
    "Terraform grants only through cmek-policy: its applied documents (v1, v2, v2 with key "
    "administrators) grant exactly the model's, and no block grants, attaches or builds a "
    "policy otherwise (aws_kms_grant, policy attachments, inline or managed policies).",
    sources.IAM_EVALUATION,
    start=tf_runs.runs,
)
def terraform(dist: DistDir) -> Problems:
    yield from terraform_static(dist)
    path = TfModule.POLICY.path
    for name, outputs, inputs in _applied(dist):
        if isinstance(outputs, str):
            yield path, f"terraform apply ({name}) failed: {outputs}"
            continue
        profile = model.PROFILES[inputs.get(TfVar.PROFILE, model.V1.name)]
        principal = inputs.get(TfVar.CLICKHOUSE_ROLE_ARN) or v1_principal(dist.config)
        admins = list(inputs.get(TfVar.KEY_ADMINISTRATOR_ARNS, []))
        for doc in tf_documents(outputs, profile, principal, admins):
            for problem in judge(doc):
                yield path, f"{name}: {problem}"


# --- The snippet ---------------------------------------------------------------------------------


@check(
    "CMEK-GRANT-003",
    "The key-policy snippets grant exactly their principal its version's actions, and nothing to "
    "anyone else: the configured profile's, and v2's with the role's placeholder.",
    sources.KMS_KEY_POLICY,
)
def snippet(dist: DistDir) -> Problems:
    for path, profile, principal in (
        (model.SNIPPET_FILE, dist.config.profile, dist.config.principal),
        (model.SNIPPET_V2_FILE, model.V2, model.ROLE_PLACEHOLDER),
    ):
        if dist.exists(path):  # else CMEK-DIST-001's finding
            for problem in _snippet_problems(dist.read(path), profile, principal):
                yield path, problem


def _snippet_problems(text: str, profile: model.Profile, principal: str) -> Iterator[str]:
    try:
        statement = json.loads(text)
    except ValueError as exc:
        yield f"is not JSON: {exc}"
        return
    if not isinstance(statement, dict) or "Statement" in statement:
        yield "must be one key-policy statement (a JSON object)"
        return
    expected = {principal: {KEY_ITSELF: expand(profile.actions)}}
    document = {"Version": model.POLICY_VERSION, "Statement": [statement]}
    yield from judge(Document("the snippet", document, expected))
    if statement.get("Sid") != profile.key_policy_sid:
        yield f"Sid {statement.get('Sid')!r} is not profile {profile.name}'s"
