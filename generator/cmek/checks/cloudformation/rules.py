"""CMEK-CFN-009: the combined template's Rules refuse what they must, pass what they must."""

from __future__ import annotations

from typing import Any

from cmek import model
from cmek.checks import DistDir, Problems, check, intrinsics, sources
from cmek.checks.cloudformation.resolution import (
    SAMPLE_KEY_ARNS,
    SAMPLE_V2_ROLE,
    sample_inputs,
)
from cmek.checks.registry import judging
from cmek.model import Mode, Param, Stack


@check(
    "CMEK-CFN-009",
    "The combined template's Rules reject KMSCreate=false with no key ARNs, or with the v2 "
    "switches (EncryptionRoleArn, KeepV1Access=false) that only a new key uses, before any "
    "resource; valid parameter sets pass.",
    sources.CFN_RULES,
)
def rules(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        with judging(stack.path):
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
