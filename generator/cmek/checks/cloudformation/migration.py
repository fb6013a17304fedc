"""CMEK-CFN-011: a v1 new key moves to v2 by parameters alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cmek import model
from cmek.checks import DistDir, Problems, check, intrinsics, sources
from cmek.checks.cloudformation.resolution import (
    MIGRATION_STEPS,
    SAMPLE_V2_ROLE,
    resolve,
    sample_inputs,
    statements,
    switchable,
)
from cmek.checks.registry import judging
from cmek.model import Mode, Param, Stack


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
        with judging(stack.path):
            if Mode.NEW_KEY not in stack.modes or not stack.profile.legacy:
                continue
            if not switchable(template):
                yield (
                    stack.path,
                    f"no {model.PARAM_KEEP_V1_ACCESS} parameter: its key cannot move to v2 "
                    "in place",
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
