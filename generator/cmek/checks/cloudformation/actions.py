"""CMEK-CFN-002: ClickHouse is granted exactly its profile's actions, each a real one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from cmek import iam_policy, model
from cmek.checks import DistDir, Problems, check, sources
from cmek.checks.cloudformation.resolution import (
    Scenario,
    as_list,
    clickhouse_key_statements,
    role_policy_statements,
    scenarios,
)
from cmek.checks.registry import judging


def _grants(scenario: Scenario) -> Iterator[tuple[str, model.Profile, dict[str, Any]]]:
    """Every statement that grants ClickHouse KMS actions: where it lives, whose profile."""
    for role in scenario.of_type("AWS::IAM::Role"):
        for statement in role_policy_statements(role):
            yield "role policy", scenario.stack.profile, statement
    for key in scenario.of_type("AWS::KMS::Key"):
        for profile, statement in clickhouse_key_statements(key):
            yield f"key policy ({profile.name})", profile, statement


@cache
def known_actions() -> frozenset[str]:
    """IAM actions as cfn-lint's maintained offline list knows them (not botocore operations)."""
    return frozenset(
        f"{service}:{action}".lower()
        for service, spec in iam_policy.cfn_lint_policies().items()
        for action in spec.get("Actions", {})
    )


def _action_is_known(action: str) -> bool:
    if "*" not in action:
        return action.lower() in known_actions()
    return _wildcard_is_known(action.lower())


@cache
def _wildcard_is_known(action: str) -> bool:
    """Whether a lower-case `*` pattern matches a known action: a scan of the whole list, cached
    because every scenario of every stack asks again for the same few patterns."""
    pattern = re.compile(re.escape(action).replace(r"\*", ".*"))
    return any(pattern.fullmatch(known) for known in known_actions())


@check(
    "CMEK-CFN-002",
    "ClickHouse is granted exactly the profile's actions, each a real IAM action, no wildcard.",
    sources.KMS_ACTIONS,
)
def actions(dist: DistDir) -> Problems:
    for scenario in scenarios(dist):
        with judging(scenario.stack.path):
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
