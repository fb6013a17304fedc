"""The shared part of the CloudFormation checks: scenarios, each a template resolved for one mode
and parameter set (every condition and intrinsic function evaluated, see checks/intrinsics.py),
i.e. the resources CloudFormation would create, and the statements they hold.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cmek import model
from cmek.checks import ArtifactError, DistDir, intrinsics
from cmek.model import Mode, Param, Stack

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
    assumed: dict[str, bool] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        return [r for r in self.resources.values() if r["Type"] == resource_type]

    @property
    def label(self) -> str:
        given = [f"{k}={v[:24]}" for k, v in sorted(self.given.items())]
        assumed = [f"{name} {value}" for name, value in sorted(self.assumed.items())]
        extras = ", ".join(given + assumed)
        return f"{self.mode.value} ({extras})" if extras else self.mode.value


def sample_inputs(stack: Stack, mode: Mode, external_id: str = "") -> dict[str, str]:
    given: dict[str, str] = {}
    if stack.profile.per_service_role:
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


def resolve(
    template: dict[str, Any],
    stack: Stack,
    mode: Mode,
    given: dict[str, str],
    assumed: dict[str, bool] | None = None,
) -> Scenario:
    """The template as deployed in the sample account and region with `given` parameters; the
    conditions in `assumed` take the value given there. A function cmek cannot evaluate makes the
    template unjudgeable: an `ArtifactError` naming the file, the function and where."""
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
    mappings = template.get("Mappings", {})
    try:
        conditions = intrinsics.condition_values(template, params, assumed)

        def present(section: str) -> dict[str, Any]:
            return {
                name: intrinsics.resolve(item, params, conditions, mappings, (section, name))
                for name, item in template.get(section, {}).items()
                if intrinsics.exists(item, conditions)
            }

        resources, outputs = present("Resources"), present("Outputs")
    except intrinsics.Unsupported as exc:
        raise ArtifactError(stack.path, f"cannot be judged: {exc}") from None
    return Scenario(stack, mode, given, resources, outputs, dict(assumed or {}))


def scenarios(dist: DistDir) -> Iterator[Scenario]:
    """The sample scenarios: each mode's defaults, with and without an ExternalId, and the v1 key's
    migration steps, in the sample account and region."""
    for stack, template in dist.templates.items():
        for mode in stack.modes:
            external_ids = ("", model.EXAMPLE_EXTERNAL_ID) if mode is Mode.EXISTING_KEY else ("",)
            for external_id in external_ids:
                yield resolve(template, stack, mode, sample_inputs(stack, mode, external_id))
            if mode is Mode.NEW_KEY and switchable(template):
                for step in MIGRATION_STEPS:
                    yield resolve(template, stack, mode, sample_inputs(stack, mode) | step)


# A value of each class each parameter a condition tests can take (empty or set, each choice).
PARAMETER_CLASSES: dict[str, tuple[str, ...]] = {
    Param.KMS_CREATE.value: tuple(model.KMS_CREATE_VALUE.values()),
    Param.KEY_ARNS.value: ("", ",".join(SAMPLE_KEY_ARNS)),
    Param.EXTERNAL_ID.value: ("", model.EXAMPLE_EXTERNAL_ID),
    model.PARAM_ENCRYPTION_ROLE_ARN: ("", SAMPLE_V2_ROLE),
    model.PARAM_KEEP_V1_ACCESS: model.KEEP_V1_ACCESS_VALUES,
}
# Past this many conditions that depend on where a stack runs, a template is not judged.
FREE_CONDITIONS_MAX = 8


def _accepted(spec: dict[str, Any], value: str) -> bool:
    """CloudFormation takes `value` for the parameter (AllowedValues, AllowedPattern)."""
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        return False
    pattern = spec.get("AllowedPattern")
    items = value.split(",") if spec.get("Type") == "CommaDelimitedList" else [value]
    return pattern is None or all(re.fullmatch(str(pattern), item) for item in items)


def parameter_sets(stack: Stack, template: dict[str, Any]) -> Iterator[tuple[Mode, dict]]:
    """Every class of parameter set CloudFormation accepts (constraints and Rules pass), with the
    mode it deploys."""
    specs = template.get("Parameters", {})
    choices = [
        [(name, v) for v in values if _accepted(specs[name], v)]
        for name, values in PARAMETER_CLASSES.items()
        if name in specs
    ]
    for combination in itertools.product(*choices):
        given = dict(combination)
        params = intrinsics.parameter_values(template, given)
        try:
            if intrinsics.rule_failures(template, params):
                continue
        except intrinsics.Unsupported as exc:
            raise ArtifactError(stack.path, f"cannot be judged: Rules: {exc}") from None
        modes = [
            m
            for m in stack.modes
            if model.KMS_CREATE_VALUE[m]
            == given.get(Param.KMS_CREATE.value, model.KMS_CREATE_VALUE[m])
        ]
        yield modes[0], given


def every_scenario(dist: DistDir) -> Iterator[Scenario]:
    """Every scenario a template can reach: each accepted class of parameter set, and each truth
    assignment of the conditions that depend on where the stack runs (account, region, stack
    name, partition), so a statement no sample reaches is judged too."""
    for stack, template in dist.templates.items():
        free = intrinsics.free_conditions(template, intrinsics.parameter_values(template, {}))
        if len(free) > FREE_CONDITIONS_MAX:
            raise ArtifactError(
                stack.path,
                f"cannot be judged: {len(free)} conditions on where "
                f"the stack runs ({', '.join(free)}), over {FREE_CONDITIONS_MAX}",
            )
        for mode, given in parameter_sets(stack, template):
            for values in itertools.product((True, False), repeat=len(free)):
                yield resolve(template, stack, mode, given, dict(zip(free, values, strict=True)))


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document.get("Statement", [])
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_policy_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    policies = role["Properties"].get("Policies", [])
    return [s for p in policies for s in statements(p["PolicyDocument"])]


_PROFILE_BY_SID = {p.key_policy_sid: p for p in model.PROFILES.values()}


def clickhouse_key_statements(key: dict[str, Any]) -> list[tuple[model.Profile, dict[str, Any]]]:
    """(profile, statement) for each statement under a profile's Sid."""
    return [
        (_PROFILE_BY_SID[s.get("Sid")], s)
        for s in statements(key["Properties"]["KeyPolicy"])
        if s.get("Sid") in _PROFILE_BY_SID
    ]
