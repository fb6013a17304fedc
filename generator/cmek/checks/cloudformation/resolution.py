"""The shared part of the CloudFormation checks: scenarios, each a template resolved for one mode
and parameter set (every condition and intrinsic function evaluated, see checks/intrinsics.py),
i.e. the resources CloudFormation would create, and the statements they hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cmek import model
from cmek.checks import DistDir, intrinsics
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
