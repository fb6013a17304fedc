"""CMEK-CFN-001: each grant follows its profile's principal parameter."""

from __future__ import annotations

from typing import Any

from cmek import contract, model
from cmek.checks import DistDir, Problems, check, sources
from cmek.checks.cloudformation.resolution import (
    as_list,
    clickhouse_key_statements,
    resolve,
    sample_inputs,
    statements,
)
from cmek.checks.registry import judging
from cmek.model import Stack

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
    # A per-service role has no default: the console asks for it (v2's EncryptionRoleArn).
    per_service = stack.profile.per_service_role
    expected = None if per_service else contract.principal_for(stack.profile, dist.config)
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
        with judging(stack.path):
            yield from _principal_parameter_problems(stack, template, dist)
            params = template.get("Parameters", {})
            given_principals = {
                name: OVERRIDES[profile]
                for profile, name in model.PRINCIPAL_PARAMS.items()
                if name in params
            }
            for mode in stack.modes:
                scenario = resolve(
                    template, stack, mode, sample_inputs(stack, mode) | given_principals
                )
                grants = [
                    (stack.profile, s)
                    for role in scenario.of_type("AWS::IAM::Role")
                    for s in statements(role["Properties"]["AssumeRolePolicyDocument"])
                ]
                grants += [
                    g
                    for k in scenario.of_type("AWS::KMS::Key")
                    for g in clickhouse_key_statements(k)
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
