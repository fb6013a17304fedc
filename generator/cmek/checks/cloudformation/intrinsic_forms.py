"""CMEK-CFN-012: every function a template uses is one cmek evaluates, every Fn::If names a model
condition, so no part of a template (either branch of any Fn::If) escapes the other checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cmek import model
from cmek.checks import Problems, check, intrinsics, sources
from cmek.checks.dist_dir import DistDir
from cmek.checks.registry import judging

# Sections whose values CloudFormation evaluates (Rules and Conditions: CMEK-CFN-013's).
_EVALUATED_SECTIONS = ("Resources", "Outputs")


def _functions(node: Any, where: tuple[str | int, ...]) -> Iterator[tuple[str, Any, str]]:
    """(function name, argument, where) of every function anywhere under `node`."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _functions(item, (*where, index))
    elif isinstance(node, dict):
        if intrinsics.is_function(node):
            ((name, arg),) = node.items()
            yield name, arg, ".".join(str(part) for part in where)
        for key, value in node.items():
            yield from _functions(value, (*where, key))


def _problems(template: dict[str, Any], conditions: dict[str, object]) -> Iterator[str]:
    for section in _EVALUATED_SECTIONS:
        for name, arg, where in _functions(template.get(section, {}), (section,)):
            if name not in intrinsics.EVALUATED:
                why = intrinsics.REFUSED.get(name, "not a function CloudFormation defines")
                yield f"{name} at {where} cannot be judged offline: {why}"
            elif name == "Fn::If":
                condition = arg[0] if isinstance(arg, list) and arg else arg
                if condition not in conditions:
                    yield f"Fn::If at {where} names condition {condition!r}, not one of the model's"


@check(
    "CMEK-CFN-012",
    "Every intrinsic function in a template's resources and outputs is one cmek evaluates "
    "(none whose value only a deployment knows), and every Fn::If names a model condition.",
    sources.CFN_INTRINSICS,
)
def intrinsic_forms(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        with judging(stack.path):
            for problem in _problems(template, model.CFN_CONDITIONS[stack]):
                yield stack.path, problem
