"""CMEK-CFN-005: a new key is symmetric, rotated, retained and keeps root access."""

from __future__ import annotations

from cmek import contract, model
from cmek.checks import DistDir, Problems, check, sources
from cmek.checks.cloudformation.resolution import (
    as_list,
    scenarios,
    statements,
)
from cmek.checks.registry import judging
from cmek.model import Mode


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
    root = contract.account_root(model.COMMERCIAL_PARTITION, model.EXAMPLE_ACCOUNT)
    for scenario in scenarios(dist):
        with judging(scenario.stack.path):
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
