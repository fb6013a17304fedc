"""CMEK-CFN-008: templates and policies stay within AWS size limits."""

from __future__ import annotations

import json
import re
from typing import Any

from cmek import model
from cmek.checks import DistDir, Problems, check, sources
from cmek.checks.cloudformation.resolution import (
    SAMPLE_KEY_ARNS,
    resolve,
    sample_inputs,
)
from cmek.checks.registry import judging
from cmek.model import Mode, Param


def _minified(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))


def _non_whitespace(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def _largest_key_arns() -> str:
    """As many key ARNs as the parameter's 4,096-byte limit allows: the largest role policy."""
    arns: list[str] = []
    base = SAMPLE_KEY_ARNS[0]
    while len(",".join([*arns, base]).encode()) <= model.PARAMETER_VALUE_MAX_BYTES:
        arns.append(base)
    return ",".join(arns)


@check(
    "CMEK-CFN-008",
    "Template body and policies stay within AWS size limits for the largest accepted inputs.",
    sources.IAM_QUOTAS,
)
def sizes(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        with judging(stack.path):
            size = len(dist.read(stack.path).encode())
            if size > model.TEMPLATE_BODY_MAX_BYTES:
                yield stack.path, f"template is {size} bytes, limit {model.TEMPLATE_BODY_MAX_BYTES}"
            for mode in stack.modes:
                given = sample_inputs(stack, mode, "x" * model.EXTERNAL_ID_MAX)
                if mode is Mode.EXISTING_KEY:
                    given[Param.KEY_ARNS.value] = _largest_key_arns()
                scenario = resolve(template, stack, mode, given)
                for role in scenario.of_type("AWS::IAM::Role"):
                    trust_size = _non_whitespace(
                        _minified(role["Properties"]["AssumeRolePolicyDocument"])
                    )
                    if trust_size > model.TRUST_POLICY_MAX_CHARS:
                        yield (
                            stack.path,
                            (
                                f"trust policy is {trust_size} characters, "
                                f"limit {model.TRUST_POLICY_MAX_CHARS}"
                            ),
                        )
                    inline = sum(
                        _non_whitespace(_minified(p["PolicyDocument"]))
                        for p in role["Properties"].get("Policies", [])
                    )
                    if inline > model.ROLE_POLICIES_MAX_CHARS:
                        yield (
                            stack.path,
                            (
                                f"inline role policies are {inline} characters for the largest "
                                f"{Param.KEY_ARNS.value}, limit {model.ROLE_POLICIES_MAX_CHARS}"
                            ),
                        )
                for key in scenario.of_type("AWS::KMS::Key"):
                    key_size = len(_minified(key["Properties"]["KeyPolicy"]).encode())
                    if key_size > model.KEY_POLICY_MAX_BYTES:
                        yield (
                            stack.path,
                            f"key policy is {key_size} bytes, limit {model.KEY_POLICY_MAX_BYTES}",
                        )
