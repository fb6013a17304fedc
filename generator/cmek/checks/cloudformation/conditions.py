"""CMEK-CFN-013: the Conditions and Rules sections are the model's as written, so a condition true
only in some accounts or regions, or a weakened Rule, cannot decide what a stack grants."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cmek import model
from cmek.checks import Problems, check, sources
from cmek.checks.dist_dir import DistDir
from cmek.checks.registry import judging


def _shown(expr: Any) -> str:
    return json.dumps(expr, separators=(",", ":"))[:160]


def _condition_problems(found: Any, expected: dict[str, object]) -> Iterator[str]:
    found = found if isinstance(found, dict) else {}
    for name in sorted(set(expected) - set(found)):
        yield f"condition {name} of the model is missing"
    for name, expr in found.items():
        if name not in expected:
            yield f"condition {name} is not in the model: {_shown(expr)}"
        elif expr != expected[name]:
            yield f"condition {name} is {_shown(expr)}, the model says {_shown(expected[name])}"


def _rule_problems(found: Any, expected: dict[str, tuple[object, tuple]]) -> Iterator[str]:
    found = found if isinstance(found, dict) else {}
    for name in sorted(set(expected) - set(found)):
        yield f"rule {name} of the model is missing"
    for name, rule in found.items():
        if name not in expected:
            yield f"rule {name} is not in the model"
            continue
        rule = rule if isinstance(rule, dict) else {}
        condition, asserts = expected[name]
        if rule.get("RuleCondition") != condition:
            got, want = _shown(rule.get("RuleCondition")), _shown(condition)
            yield f"rule {name} RuleCondition is {got}, the model says {want}"
        got = [a.get("Assert") if isinstance(a, dict) else a for a in rule.get("Assertions", [])]
        if got != list(asserts):
            yield f"rule {name} asserts {_shown(got)}, the model says {_shown(list(asserts))}"


@check(
    "CMEK-CFN-013",
    "Each template's Conditions and Rules are exactly the model's: no condition or rule added or "
    "dropped, each expression as the model writes it.",
    sources.CFN_CONDITIONS,
)
def conditions(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        with judging(stack.path):
            for problem in _condition_problems(
                template.get("Conditions"), model.CFN_CONDITIONS[stack]
            ):
                yield stack.path, problem
            for problem in _rule_problems(template.get("Rules"), model.CFN_RULES[stack]):
                yield stack.path, problem
