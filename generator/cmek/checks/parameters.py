"""Parameter constraints: each template's parameters and their constraints equal the model's.

CloudFormation enforces AllowedPattern, AllowedValues, lengths and NoEcho on every value a console
link or a user passes; a widened constraint (`AllowedPattern: '.*'` on ClickHouseRole or
KMSKeyArns) lets any principal or key in, and a changed Default changes what a one-click stack
grants. The principal parameter's Default and AllowedPattern are CMEK-CFN-001's (not repeated
here); everything else is compared with model.CFN_PARAMETERS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cmek import contract, model
from cmek.checks import DistDir, Problems, check, sources
from cmek.model import Stack

# The principal parameter's Default and AllowedPattern, judged by CMEK-CFN-001.
_CFN_001_KEYS = ("Default", "AllowedPattern")


def _normal(value: Any) -> Any:
    """CloudFormation reads every constraint value as a string (YAML may give ints or bools)."""
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if value is not None else None


def expected_parameters(stack: Stack, principal: str) -> dict[str, dict[str, Any]]:
    """The model's parameters of `stack`, the configured v1 principal filled in."""
    return {
        name: {
            key: principal if value == model.CONFIGURED_PRINCIPAL else value
            for key, value in spec.items()
        }
        for name, spec in model.CFN_PARAMETERS[stack.slug].items()
    }


def _judged_keys(stack: Stack, name: str) -> tuple[str, ...]:
    if name == model.PRINCIPAL_PARAMS[stack.profile.name]:
        return tuple(k for k in model.CFN_CONSTRAINT_KEYS if k not in _CFN_001_KEYS)
    return model.CFN_CONSTRAINT_KEYS


def _spec_problems(stack: Stack, name: str, spec: Any, want: dict[str, Any]) -> Iterator[str]:
    if not isinstance(spec, dict):
        yield f"parameter {name} is not a mapping"
        return
    for key in _judged_keys(stack, name):
        got, expected = _normal(spec.get(key)), _normal(want.get(key))
        if got != expected:
            shown = repr(spec.get(key))[:80]
            yield f"parameter {name}: {key} is {shown}, the model says {want.get(key)!r}"


def _v1_principal(dist: DistDir) -> str:
    return contract.principal_for(model.V1, dist.config) or ""


@check(
    "CMEK-PARAM-001",
    "Each template has exactly the model's parameters, each with the model's Type, "
    "AllowedPattern, AllowedValues, lengths, Default and NoEcho.",
    sources.CFN_PARAMETERS,
)
def constraints(dist: DistDir) -> Problems:
    principal = _v1_principal(dist)
    for stack, template in dist.templates.items():
        params = template.get("Parameters", {})
        params = params if isinstance(params, dict) else {}
        expected = expected_parameters(stack, principal)
        for name in sorted(set(expected) - set(params)):
            yield stack.path, f"parameter {name} of the model is missing"
        for name in sorted(set(params) - set(expected)):
            yield stack.path, f"parameter {name} is not in the model"
        for name, want in expected.items():
            if name in params:
                for problem in _spec_problems(stack, name, params[name], want):
                    yield stack.path, problem
