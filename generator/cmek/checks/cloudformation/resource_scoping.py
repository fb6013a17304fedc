"""CMEK-CFN-003: the role's policy names exactly the KMSKeyArns keys."""

from __future__ import annotations

from cmek.checks import DistDir, Problems, check, sources
from cmek.checks.cloudformation.resolution import (
    SAMPLE_KEY_ARNS,
    as_list,
    role_policy_statements,
    scenarios,
)
from cmek.checks.registry import judging
from cmek.model import Param


@check(
    "CMEK-CFN-003",
    "The role's policy names exactly the KMSKeyArns keys as Resource, never '*'.",
    sources.IAM_RESOURCE,
)
def resource_scoping(dist: DistDir) -> Problems:
    for scenario in scenarios(dist):
        with judging(scenario.stack.path):
            for role in scenario.of_type("AWS::IAM::Role"):
                for statement in role_policy_statements(role):
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
