"""CMEK-CFN-006: the role trusts only ClickHouse, with the ExternalId when set."""

from __future__ import annotations

from cmek import model
from cmek.checks import DistDir, Problems, check, sources
from cmek.checks.cloudformation.resolution import (
    as_list,
    scenarios,
    statements,
)
from cmek.checks.registry import judging
from cmek.model import Param


@check(
    "CMEK-CFN-006",
    "The role trusts only ClickHouseRole for sts:AssumeRole, with sts:ExternalId exactly when set.",
    sources.IAM_EXTERNAL_ID,
)
def trust(dist: DistDir) -> Problems:
    for scenario in scenarios(dist):
        with judging(scenario.stack.path):
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
