"""CMEK-CFN-004: each mode has exactly its outputs."""

from __future__ import annotations

from cmek import model
from cmek.checks import DistDir, Problems, check, sources
from cmek.checks.cloudformation.resolution import (
    SAMPLE_KEY_ARNS,
    scenarios,
)
from cmek.checks.registry import judging
from cmek.model import Mode


@check(
    "CMEK-CFN-004",
    "Each mode has its outputs: KeyArn always, RoleArn only when the stack grants an existing key.",
    sources.CFN_OUTPUTS,
)
def outputs(dist: DistDir) -> Problems:
    for scenario in scenarios(dist):
        with judging(scenario.stack.path):
            expected = {o.value for o in model.OUTPUTS_BY_MODE[scenario.mode]}
            got = set(scenario.outputs)
            if got != expected:
                yield (
                    scenario.stack.path,
                    f"outputs {sorted(got)}, expected {sorted(expected)}",
                    scenario.label,
                )
            values = {name: out.get("Value") for name, out in scenario.outputs.items()}
            want = {
                model.Output.KEY_ARN.value: (
                    f"{model.KEY_LOGICAL_ID}.Arn"
                    if scenario.mode is Mode.NEW_KEY
                    else SAMPLE_KEY_ARNS[0]
                ),
                model.Output.ROLE_ARN.value: f"{model.ROLE_LOGICAL_ID}.Arn",
            }
            for name, value in want.items():
                if name in values and values[name] != value:
                    yield scenario.stack.path, f"output {name} is {values[name]!r}", scenario.label
