"""CMEK-CFN-010: role names fit IAM's limit; role-policy Sids are alphanumeric."""

from __future__ import annotations

import re

from cmek import model
from cmek.checks import DistDir, Problems, check, sources
from cmek.checks.cloudformation.resolution import (
    role_policy_statements,
    scenarios,
)
from cmek.checks.registry import judging


@check(
    "CMEK-CFN-010",
    f"Role names fit IAM's {model.ROLE_NAME_MAX} characters for any stack name; role-policy Sids "
    "are alphanumeric.",
    sources.IAM_SID,
)
def names(dist: DistDir) -> Problems:
    for scenario in scenarios(dist):
        with judging(scenario.stack.path):
            for role in scenario.of_type("AWS::IAM::Role"):
                # Without a RoleName CloudFormation generates one that always fits (an extra
                # role is the inventory's and the grants' finding, not a naming one).
                name = role["Properties"].get("RoleName")
                if name is not None and not re.fullmatch(model.ROLE_NAME_PATTERN, name):
                    yield (
                        scenario.stack.path,
                        (
                            f"role name {name!r} ({len(name)} characters) is not a valid IAM "
                            "role name "
                            f"for a {model.STACK_NAME_MAX}-character stack name"
                        ),
                    )
                for statement in role_policy_statements(role):
                    sid = statement.get("Sid", "")
                    if not re.fullmatch(r"[A-Za-z0-9]*", sid):
                        yield (
                            scenario.stack.path,
                            f"role policy Sid {sid!r} must be alphanumeric",
                            scenario.label,
                        )
