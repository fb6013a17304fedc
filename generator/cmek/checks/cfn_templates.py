"""Checks of what each CloudFormation template grants, judged on the files in dist.

Most checks look at a *scenario*: the template with sample parameter values for one mode, every
condition and intrinsic function resolved (see intrinsics.py), i.e. the resources CloudFormation
would create. Expectations (principal, actions, outputs, limits) come from the model and config.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from cmek import model
from cmek.checks import DistDir, Problems, check, intrinsics, sources
from cmek.model import Mode, Param, Stack

# Sample values a scenario feeds the template; the account and stack are AWS's documentation ones.
SAMPLE_KEY_ARNS = (model.EXAMPLE_KEY_ARN, model.EXAMPLE_MRK_KEY_ARN)
# The longest stack name CloudFormation accepts: the role name must still fit IAM's 64 characters.
SAMPLE_STACK_NAME = "S" * model.STACK_NAME_MAX
# A v2 service's encryption role (the v2 template requires one; the v1 key templates take one).
SAMPLE_V2_ROLE = model.EXAMPLE_ROLE_ARN
SAMPLE_STACK_ID = (
    f"arn:aws:cloudformation:{model.EXAMPLE_REGION}:{model.EXAMPLE_ACCOUNT}:stack/{SAMPLE_STACK_NAME}/"
    "c0ffee00-1234-5678-9abc-def012345678"
)


@dataclass(frozen=True)
class Scenario:
    """A template resolved for one mode and parameter set."""

    stack: Stack
    mode: Mode
    given: dict[str, str]
    resources: dict[str, dict[str, Any]]
    outputs: dict[str, Any]

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        return [r for r in self.resources.values() if r["Type"] == resource_type]

    @property
    def label(self) -> str:
        extras = ", ".join(f"{k}={v[:24]}" for k, v in sorted(self.given.items()))
        return f"{self.mode.value} ({extras})" if extras else self.mode.value


def sample_inputs(stack: Stack, mode: Mode, external_id: str = "") -> dict[str, str]:
    given: dict[str, str] = {}
    if stack.profile == model.V2:
        given[model.PARAM_ENCRYPTION_ROLE_ARN] = SAMPLE_V2_ROLE
    if stack.combined:
        given[Param.KMS_CREATE.value] = model.KMS_CREATE_VALUE[mode]
    if mode is Mode.EXISTING_KEY:
        given[Param.KEY_ARNS.value] = ",".join(SAMPLE_KEY_ARNS)
        if external_id:
            given[Param.EXTERNAL_ID.value] = external_id
    return given


def switchable(template: dict[str, Any]) -> bool:
    """A v1 key template that can move its key to v2 (the two switch parameters)."""
    return model.PARAM_KEEP_V1_ACCESS in template.get("Parameters", {})


# The two migration steps after the defaults: add the v2 statement, then drop the v1 one.
MIGRATION_STEPS: tuple[dict[str, str], ...] = (
    {model.PARAM_ENCRYPTION_ROLE_ARN: SAMPLE_V2_ROLE},
    {
        model.PARAM_ENCRYPTION_ROLE_ARN: SAMPLE_V2_ROLE,
        model.PARAM_KEEP_V1_ACCESS: model.KEEP_V1_ACCESS_VALUES[1],
    },
)


def resolve(template: dict[str, Any], stack: Stack, mode: Mode, given: dict[str, str]) -> Scenario:
    params = intrinsics.parameter_values(template, given)
    params.update(
        {
            "AWS::AccountId": model.EXAMPLE_ACCOUNT,
            "AWS::Partition": model.COMMERCIAL_PARTITION,
            "AWS::Region": model.EXAMPLE_REGION,
            "AWS::StackName": SAMPLE_STACK_NAME,
            "AWS::StackId": SAMPLE_STACK_ID,
        }
    )
    params.update({name: f"<{name}>" for name in template.get("Resources", {})})
    raw_conditions = template.get("Conditions", {})
    conditions = intrinsics.condition_values(template, params)

    def present(section: str) -> dict[str, Any]:
        items = template.get(section, {}).items()
        return {
            name: intrinsics.resolve(item, params, raw_conditions)
            for name, item in items
            if intrinsics.exists(item, conditions)
        }

    return Scenario(stack, mode, given, present("Resources"), present("Outputs"))


def scenarios(dist: DistDir) -> Iterator[Scenario]:
    for stack, template in dist.templates.items():
        for mode in stack.modes:
            external_ids = ("", model.EXAMPLE_EXTERNAL_ID) if mode is Mode.EXISTING_KEY else ("",)
            for external_id in external_ids:
                yield resolve(template, stack, mode, sample_inputs(stack, mode, external_id))
            if mode is Mode.NEW_KEY and switchable(template):
                for step in MIGRATION_STEPS:
                    yield resolve(template, stack, mode, sample_inputs(stack, mode) | step)


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document.get("Statement", [])
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_policy_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    policies = role["Properties"].get("Policies", [])
    return [s for p in policies for s in statements(p["PolicyDocument"])]


_PROFILE_BY_SID = {p.key_policy_sid: p for p in model.PROFILES.values()}


def _clickhouse_key_statements(key: dict[str, Any]) -> list[tuple[model.Profile, dict[str, Any]]]:
    """(profile, statement) for each statement under a profile's Sid."""
    return [
        (_PROFILE_BY_SID[s.get("Sid")], s)
        for s in statements(key["Properties"]["KeyPolicy"])
        if s.get("Sid") in _PROFILE_BY_SID
    ]


def _grants(scenario: Scenario) -> Iterator[tuple[str, model.Profile, dict[str, Any]]]:
    """Every statement that grants ClickHouse KMS actions: where it lives, whose profile."""
    for role in scenario.of_type("AWS::IAM::Role"):
        for statement in _role_policy_statements(role):
            yield "role policy", scenario.stack.profile, statement
    for key in scenario.of_type("AWS::KMS::Key"):
        for profile, statement in _clickhouse_key_statements(key):
            yield f"key policy ({profile.name})", profile, statement


@cache
def known_actions() -> frozenset[str]:
    """IAM actions as cfn-lint's maintained offline list knows them (not botocore operations)."""
    from importlib import resources

    data = json.loads(
        resources.files("cfnlint.data.AdditionalSpecs").joinpath("Policies.json").read_text()
    )
    return frozenset(
        f"{service}:{action}".lower()
        for service, spec in data.items()
        for action in spec.get("Actions", {})
    )


def _action_is_known(action: str) -> bool:
    if "*" not in action:
        return action.lower() in known_actions()
    pattern = re.compile(re.escape(action.lower()).replace(r"\*", ".*"))
    return any(pattern.fullmatch(known) for known in known_actions())


# Principals CFN-001 passes to each profile's parameter, to see that every grant follows it.
OVERRIDES: dict[str, str] = {
    model.V1.name: "arn:aws:iam::123456789012:role/override-check",
    model.V2.name: "arn:aws:iam::210987654321:role/override-check-v2",
}


def _principal_parameter_problems(stack: Stack, template: dict[str, Any], dist: DistDir):
    """The stack profile's principal parameter: v1 defaults to the configured ARN; v2 has no
    default (each service has its own role) and accepts only a role ARN."""
    name = model.PRINCIPAL_PARAMS[stack.profile.name]
    spec = template.get("Parameters", {}).get(name)
    if spec is None:
        yield stack.path, f"no {name} parameter (profile {stack.profile.name})"
        return
    if stack.profile == model.V2:
        expected = None
    elif dist.config.profile == stack.profile:
        expected = dist.config.principal
    else:
        expected = stack.profile.principal
    if spec.get("Default") != expected:
        yield stack.path, f"{name} default is {spec.get('Default')!r}, expected {expected!r}"
    if spec.get("AllowedPattern") != model.ROLE_ARN_PATTERN:
        yield stack.path, f"{name} AllowedPattern is {spec.get('AllowedPattern')!r}"


@check(
    "CMEK-CFN-001",
    "Each grant names its profile's principal parameter (ClickHouseRole defaulting to the "
    "configured ARN; v2's required EncryptionRoleArn).",
    sources.IAM_EXTERNAL_ID,
)
def principal(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        yield from _principal_parameter_problems(stack, template, dist)
        params = template.get("Parameters", {})
        given_principals = {
            name: OVERRIDES[profile]
            for profile, name in model.PRINCIPAL_PARAMS.items()
            if name in params
        }
        for mode in stack.modes:
            scenario = resolve(template, stack, mode, sample_inputs(stack, mode) | given_principals)
            grants = [
                (stack.profile, s)
                for role in scenario.of_type("AWS::IAM::Role")
                for s in statements(role["Properties"]["AssumeRolePolicyDocument"])
            ]
            grants += [
                g for k in scenario.of_type("AWS::KMS::Key") for g in _clickhouse_key_statements(k)
            ]
            if not grants:
                yield stack.path, "nothing trusts or grants ClickHouse's principal", mode.value
            for profile, statement in grants:
                got = as_list(statement.get("Principal", {}).get("AWS"))
                if got != [OVERRIDES[profile.name]]:
                    yield (
                        stack.path,
                        f"{profile.name} principal {got} ignores the "
                        f"{model.PRINCIPAL_PARAMS[profile.name]} parameter",
                        mode.value,
                    )


@check(
    "CMEK-CFN-002",
    "ClickHouse is granted exactly the profile's actions, each a real IAM action, no wildcard.",
    sources.KMS_ACTIONS,
)
def actions(dist: DistDir) -> Problems:
    for scenario in scenarios(dist):
        grants = list(_grants(scenario))
        if not grants:
            yield (
                scenario.stack.path,
                "no statement grants ClickHouse any action",
                scenario.label,
            )
        for where, profile, statement in grants:
            expected = set(profile.actions)
            got = as_list(statement.get("Action", []))
            if set(got) != expected or len(got) != len(expected):
                missing = sorted(expected - set(got))
                extra = sorted(set(got) - expected)
                yield (
                    scenario.stack.path,
                    (
                        f"{where} actions differ from profile "
                        f"{profile.name}: missing {missing}, extra {extra}"
                    ),
                    scenario.label,
                )
            for action in got:
                if not _action_is_known(action):
                    yield (
                        scenario.stack.path,
                        f"{where}: {action!r} is not an IAM action",
                        scenario.label,
                    )
            if statement.get("Effect") != "Allow" or "NotAction" in statement:
                yield (
                    scenario.stack.path,
                    f"{where}: grant must be Effect Allow with Action",
                    scenario.label,
                )


@check(
    "CMEK-CFN-003",
    "The role's policy names exactly the KMSKeyArns keys as Resource, never '*'.",
    sources.IAM_RESOURCE,
)
def resource_scoping(dist: DistDir) -> Problems:
    for scenario in scenarios(dist):
        for role in scenario.of_type("AWS::IAM::Role"):
            for statement in _role_policy_statements(role):
                got = as_list(statement.get("Resource", []))
                if got != list(SAMPLE_KEY_ARNS):
                    yield (
                        scenario.stack.path,
                        (
                            f"role policy Resource is {got}, expected exactly "
                            f"{Param.KEY_ARNS.value} values"
                        ),
                        scenario.label,
                    )
                if "NotResource" in statement:
                    yield (
                        scenario.stack.path,
                        "role policy must not use NotResource",
                        scenario.label,
                    )


@check(
    "CMEK-CFN-004",
    "Each mode has its outputs: KeyArn always, RoleArn only when the stack grants an existing key.",
    sources.CFN_OUTPUTS,
)
def outputs(dist: DistDir) -> Problems:
    for scenario in scenarios(dist):
        expected = {o.value for o in model.OUTPUTS_BY_MODE[scenario.mode]}
        got = set(scenario.outputs)
        if got != expected:
            yield (
                scenario.stack.path,
                f"outputs {sorted(got)}, expected {sorted(expected)}",
                scenario.label,
            )
        values = {name: out.get("Value") for name, out in scenario.outputs.items()}
        want = {
            model.Output.KEY_ARN.value: (
                f"{model.KEY_LOGICAL_ID}.Arn"
                if scenario.mode is Mode.NEW_KEY
                else SAMPLE_KEY_ARNS[0]
            ),
            model.Output.ROLE_ARN.value: f"{model.ROLE_LOGICAL_ID}.Arn",
        }
        for name, value in want.items():
            if name in values and values[name] != value:
                yield scenario.stack.path, f"output {name} is {values[name]!r}", scenario.label


@check(
    "CMEK-CFN-005",
    f"A new key is symmetric, rotated, retained, has a {model.PENDING_WINDOW_DAYS}-day window, "
    "keeps root access and has an alias.",
    sources.KMS_ROTATION,
)
def key_protection(dist: DistDir) -> Problems:
    expected_props = {
        "KeySpec": model.KEY_SPEC,
        "KeyUsage": model.KEY_USAGE,
        "EnableKeyRotation": True,
        "PendingWindowInDays": model.PENDING_WINDOW_DAYS,
    }
    root = model.ACCOUNT_ROOT_ARN.format(
        partition=model.COMMERCIAL_PARTITION, account=model.EXAMPLE_ACCOUNT
    )
    for scenario in scenarios(dist):
        keys = scenario.of_type("AWS::KMS::Key")
        if scenario.mode is Mode.NEW_KEY and len(keys) != 1:
            yield (
                scenario.stack.path,
                f"expected one AWS::KMS::Key, found {len(keys)}",
                scenario.label,
            )
        for key in keys:
            props = key["Properties"]
            for name, value in expected_props.items():
                if props.get(name) != value:
                    yield (
                        scenario.stack.path,
                        f"key {name} is {props.get(name)!r}, expected {value!r}",
                        scenario.label,
                    )
            for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
                if key.get(policy) != model.RETAIN:
                    yield (
                        scenario.stack.path,
                        f"key {policy} is {key.get(policy)!r}, expected Retain",
                        scenario.label,
                    )
            root_grants = [
                s
                for s in statements(props["KeyPolicy"])
                if isinstance(s.get("Principal"), dict)
                and as_list(s["Principal"].get("AWS")) == [root]
                and as_list(s.get("Action")) == [model.KMS_ALL_ACTIONS]
            ]
            if not root_grants:
                yield (
                    scenario.stack.path,
                    "key policy lacks the account-root statement (lockout)",
                    scenario.label,
                )
        aliases = [
            a
            for a in scenario.of_type("AWS::KMS::Alias")
            if a["Properties"].get("TargetKeyId") == f"<{model.KEY_LOGICAL_ID}>"
        ]
        if keys and len(aliases) != 1:
            yield scenario.stack.path, f"{len(aliases)} aliases name the key", scenario.label


@check(
    "CMEK-CFN-006",
    "The role trusts only ClickHouseRole for sts:AssumeRole, with sts:ExternalId exactly when set.",
    sources.IAM_EXTERNAL_ID,
)
def trust(dist: DistDir) -> Problems:
    for scenario in scenarios(dist):
        external_id = scenario.given.get(Param.EXTERNAL_ID.value, "")
        for role in scenario.of_type("AWS::IAM::Role"):
            for statement in statements(role["Properties"]["AssumeRolePolicyDocument"]):
                if as_list(statement.get("Action")) != [model.ASSUME_ROLE_ACTION]:
                    yield (
                        scenario.stack.path,
                        f"trust Action is {statement.get('Action')!r}",
                        scenario.label,
                    )
                condition = statement.get("Condition")
                expected = (
                    {"StringEquals": {model.EXTERNAL_ID_CONDITION_KEY: external_id}}
                    if external_id
                    else None
                )
                if condition != expected:
                    yield (
                        scenario.stack.path,
                        f"trust Condition {condition!r}, expected {expected!r}",
                        scenario.label,
                    )


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


@check(
    "CMEK-CFN-007",
    "ARNs the template builds use ${AWS::Partition}, never a hard-coded partition.",
    sources.CFN_PSEUDO_PARAMETERS,
)
def partition(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        for section in ("Resources", "Outputs", "Conditions", "Rules"):
            for text in _strings(template.get(section, {})):
                if re.search(rf"arn:{model.PARTITION_PATTERN}:", text):
                    yield stack.path, f"{section}: hard-coded partition in {text!r}"


def _minified(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))


def _non_whitespace(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def _largest_key_arns() -> str:
    """As many key ARNs as the parameter's 4,096-byte limit allows: the largest role policy."""
    arns: list[str] = []
    base = SAMPLE_KEY_ARNS[0]
    while len(",".join([*arns, base]).encode()) <= model.PARAMETER_VALUE_MAX_BYTES:
        arns.append(base)
    return ",".join(arns)


@check(
    "CMEK-CFN-008",
    "Template body and policies stay within AWS size limits for the largest accepted inputs.",
    sources.IAM_QUOTAS,
)
def sizes(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        size = len(dist.read(stack.path).encode())
        if size > model.TEMPLATE_BODY_MAX_BYTES:
            yield stack.path, f"template is {size} bytes, limit {model.TEMPLATE_BODY_MAX_BYTES}"
        for mode in stack.modes:
            given = sample_inputs(stack, mode, "x" * model.EXTERNAL_ID_MAX)
            if mode is Mode.EXISTING_KEY:
                given[Param.KEY_ARNS.value] = _largest_key_arns()
            scenario = resolve(template, stack, mode, given)
            for role in scenario.of_type("AWS::IAM::Role"):
                trust_size = _non_whitespace(
                    _minified(role["Properties"]["AssumeRolePolicyDocument"])
                )
                if trust_size > model.TRUST_POLICY_MAX_CHARS:
                    yield (
                        stack.path,
                        (
                            f"trust policy is {trust_size} characters, "
                            f"limit {model.TRUST_POLICY_MAX_CHARS}"
                        ),
                    )
                inline = sum(
                    _non_whitespace(_minified(p["PolicyDocument"]))
                    for p in role["Properties"].get("Policies", [])
                )
                if inline > model.ROLE_POLICIES_MAX_CHARS:
                    yield (
                        stack.path,
                        (
                            f"inline role policies are {inline} characters for the largest "
                            f"{Param.KEY_ARNS.value}, limit {model.ROLE_POLICIES_MAX_CHARS}"
                        ),
                    )
            for key in scenario.of_type("AWS::KMS::Key"):
                key_size = len(_minified(key["Properties"]["KeyPolicy"]).encode())
                if key_size > model.KEY_POLICY_MAX_BYTES:
                    yield (
                        stack.path,
                        f"key policy is {key_size} bytes, limit {model.KEY_POLICY_MAX_BYTES}",
                    )


@check(
    "CMEK-CFN-009",
    "The combined template's Rules reject KMSCreate=false with no key ARNs, or with the v2 "
    "switches (EncryptionRoleArn, KeepV1Access=false) that only a new key uses, before any "
    "resource; valid parameter sets pass.",
    sources.CFN_RULES,
)
def rules(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        if not stack.combined:
            continue
        yield from _switch_rule_problems(stack, template)
        existing = model.KMS_CREATE_VALUE[Mode.EXISTING_KEY]
        for key_arns in (
            "",
            f"{SAMPLE_KEY_ARNS[0]},",
            f"{SAMPLE_KEY_ARNS[0]},,{SAMPLE_KEY_ARNS[1]}",
        ):
            given = {Param.KMS_CREATE.value: existing, Param.KEY_ARNS.value: key_arns}
            params = intrinsics.parameter_values(template, given)
            if not intrinsics.rule_failures(template, params):
                yield (
                    stack.path,
                    "KMSCreate=false without a key ARN is not rejected by a Rule",
                    f"KMSKeyArns={key_arns!r}",
                )
        for mode in stack.modes:
            params = intrinsics.parameter_values(template, sample_inputs(stack, mode))
            if failures := intrinsics.rule_failures(template, params):
                yield stack.path, f"a valid parameter set is rejected: {failures}", mode.value


def _switch_rule_problems(stack: Stack, template: dict[str, Any]) -> Problems:
    """With KMSCreate=false, each v2 switch is refused with the model's description."""
    base = sample_inputs(stack, Mode.EXISTING_KEY)
    for name, value in (
        (model.PARAM_ENCRYPTION_ROLE_ARN, SAMPLE_V2_ROLE),
        (model.PARAM_KEEP_V1_ACCESS, model.KEEP_V1_ACCESS_VALUES[1]),
    ):
        params = intrinsics.parameter_values(template, base | {name: value})
        failures = intrinsics.rule_failures(template, params)
        if model.SWITCHES_NEED_NEW_KEY_DESCRIPTION not in failures:
            yield (
                stack.path,
                f"KMSCreate=false with {name}={value} is not refused by the model's Rule "
                f"({model.RULE_SWITCHES_NEED_NEW_KEY})",
            )


@check(
    "CMEK-CFN-010",
    f"Role names fit IAM's {model.ROLE_NAME_MAX} characters for any stack name; role-policy Sids "
    "are alphanumeric.",
    sources.IAM_SID,
)
def names(dist: DistDir) -> Problems:
    for scenario in scenarios(dist):
        for role in scenario.of_type("AWS::IAM::Role"):
            name = role["Properties"].get("RoleName", "")
            if not re.fullmatch(model.ROLE_NAME_PATTERN, name):
                yield (
                    scenario.stack.path,
                    (
                        f"role name {name!r} ({len(name)} characters) is not a valid IAM role name "
                        f"for a {model.STACK_NAME_MAX}-character stack name"
                    ),
                )
            for statement in _role_policy_statements(role):
                sid = statement.get("Sid", "")
                if not re.fullmatch(r"[A-Za-z0-9]*", sid):
                    yield (
                        scenario.stack.path,
                        f"role policy Sid {sid!r} must be alphanumeric",
                        scenario.label,
                    )


def _migration_keys(stack: Stack, template: dict[str, Any]) -> list[dict[str, Any] | None]:
    """The new key at each migration step: defaults, v2 statement added, v1 statement dropped."""
    steps = ({}, *MIGRATION_STEPS)
    mode = Mode.NEW_KEY
    return [
        resolve(template, stack, mode, sample_inputs(stack, mode) | step).resources.get(
            model.KEY_LOGICAL_ID
        )
        for step in steps
    ]


def _migration_problems(keys: list[dict[str, Any]]) -> Iterator[str]:
    from cmek.key_policy import edit as key_policy

    root, v1, v2 = model.KEY_POLICY_ROOT_SID, model.V1.key_policy_sid, model.V2.key_policy_sid
    expected = [[root, v1], [root, v1, v2], [root, v2]]
    policies = [statements(k["Properties"]["KeyPolicy"]) for k in keys]
    sids = [[s.get("Sid") for s in p] for p in policies]
    if sids != expected:
        yield f"key policy Sids per step {sids}, expected {expected}"
    others = [{n: v for n, v in k.items() if n != "Properties"} for k in keys]
    props = [{n: v for n, v in k["Properties"].items() if n != "KeyPolicy"} for k in keys]
    if any(o != others[0] for o in others) or any(p != props[0] for p in props):
        yield "the key changes beyond its policy between steps (a replacement risk)"
    seen: dict[str, dict[str, Any]] = {}
    for statement in (s for p in policies for s in p):
        if seen.setdefault(statement.get("Sid"), statement) != statement:
            yield f"statement {statement.get('Sid')!r} changes between steps"
    want = key_policy.clickhouse_statement(model.V2, SAMPLE_V2_ROLE)
    if v2 in seen and seen[v2] != want:
        yield f"v2 statement {seen[v2]} is not the one `cmek grant --cmek-version v2` writes"


def _migration_rule_problems(template: dict[str, Any], stack: Stack) -> Iterator[str]:
    base = sample_inputs(stack, Mode.NEW_KEY)
    drop_v1 = {model.PARAM_KEEP_V1_ACCESS: model.KEEP_V1_ACCESS_VALUES[1]}
    v1_role = template["Parameters"].get(Param.CLICKHOUSE_ROLE.value, {}).get("Default", "")
    refused = {
        "KeepV1Access=false without EncryptionRoleArn": base | drop_v1,
        "EncryptionRoleArn equal to ClickHouseRole": base
        | {model.PARAM_ENCRYPTION_ROLE_ARN: v1_role},
    }
    for what, given in refused.items():
        if not intrinsics.rule_failures(template, intrinsics.parameter_values(template, given)):
            yield f"{what} is not rejected by a Rule"
    for step in ({}, *MIGRATION_STEPS):
        params = intrinsics.parameter_values(template, base | step)
        if failures := intrinsics.rule_failures(template, params):
            yield f"migration step {sorted(step.values())} is rejected: {failures}"


@check(
    "CMEK-CFN-011",
    "A v1 new key moves to v2 by parameters alone: EncryptionRoleArn adds the v2 statement, "
    "KeepV1Access=false drops v1's (Rule-guarded); nothing else changes.",
    sources.CFN_KMS_KEY,
)
def migration(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        if Mode.NEW_KEY not in stack.modes or stack.profile != model.V1:
            continue
        if not switchable(template):
            yield (
                stack.path,
                f"no {model.PARAM_KEEP_V1_ACCESS} parameter: its key cannot move to v2 in place",
            )
            continue
        keys = _migration_keys(stack, template)
        if any(k is None for k in keys):
            yield stack.path, "a migration step has no Key resource"
            continue
        for problem in _migration_problems([k for k in keys if k is not None]):
            yield stack.path, problem
        for problem in _migration_rule_problems(template, stack):
            yield stack.path, problem
