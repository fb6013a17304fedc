"""Evaluate the few condition and rule functions our templates use, for a given parameter set.

Checks need to know which resources and outputs exist in each mode of the combined template, and
whether the Rule rejects a parameter set. No maintained library does this offline: cfn-lint
reasons about condition satisfiability (not values), cloud-radar skips Rules and prints to stdout,
and moto ignores Rules. The functions are the documented subset below; anything else is an error,
so a template that starts using a new function fails loudly instead of being misjudged.
"""

from __future__ import annotations

import re
from typing import Any

Params = dict[str, str | list[str]]
NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class Unsupported(ValueError):
    """The template uses a function this evaluator does not implement."""


def evaluate(expr: Any, params: Params, conditions: dict[str, Any] | None = None) -> Any:
    conditions = conditions or {}
    if isinstance(expr, (str, int, bool)):
        return expr
    if isinstance(expr, list):
        return [evaluate(e, params, conditions) for e in expr]
    if not isinstance(expr, dict) or len(expr) != 1:
        raise Unsupported(f"not an intrinsic function: {expr!r}")
    ((name, arg),) = expr.items()
    ev = lambda e: evaluate(e, params, conditions)  # noqa: E731
    match name:
        case "Ref":
            if arg == "AWS::NoValue":
                return NO_VALUE
            if arg not in params:
                raise Unsupported(f"Ref to unknown parameter {arg!r}")
            return params[arg]
        case "Condition":
            return bool(ev(conditions[arg]))
        case "Fn::Sub":
            return _SUB_VARIABLE.sub(lambda m: str(ev({"Ref": m.group(1)})), arg)
        case "Fn::GetAtt":
            return ".".join(arg) if isinstance(arg, list) else arg
        case "Fn::Split":
            return ev(arg[1]).split(arg[0])
        case "Fn::Equals":
            return ev(arg[0]) == ev(arg[1])
        case "Fn::Not":
            return not ev(arg[0])
        case "Fn::And":
            return all(ev(a) for a in arg)
        case "Fn::Or":
            return any(ev(a) for a in arg)
        case "Fn::Join":
            return arg[0].join(ev(arg[1]))
        case "Fn::Contains":
            return ev(arg[1]) in ev(arg[0])
        case "Fn::If":
            taken = arg[1] if evaluate({"Condition": arg[0]}, params, conditions) else arg[2]
            return resolve(taken, params, conditions)
        case "Fn::Select":
            return ev(arg[1])[int(ev(arg[0]))]
    raise Unsupported(f"function {name} is not supported")


def resolve(node: Any, params: Params, conditions: dict[str, Any]) -> Any:
    """`node` with every intrinsic function evaluated and `AWS::NoValue` properties removed.

    `params` holds parameters, pseudo parameters and, for `Ref` to a resource, a placeholder.
    GetAtt gives "Resource.Attribute", since only a deployment knows the real value.
    """
    if isinstance(node, list):
        items = [resolve(item, params, conditions) for item in node]
        return [item for item in items if item is not NO_VALUE]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (name,) = node
        if name == "Ref" or name.startswith("Fn::"):
            value = evaluate(node, params, conditions)
            return value if value is NO_VALUE else resolve(value, params, conditions)
    resolved = {key: resolve(value, params, conditions) for key, value in node.items()}
    return {key: value for key, value in resolved.items() if value is not NO_VALUE}


def parameter_values(template: dict[str, Any], given: dict[str, str]) -> Params:
    """Parameter values as CloudFormation passes them: defaults filled in, lists split on ','."""
    values: Params = {}
    for name, spec in template.get("Parameters", {}).items():
        raw = given.get(name, spec.get("Default"))
        if raw is None:
            continue
        values[name] = str(raw).split(",") if spec.get("Type") == "CommaDelimitedList" else str(raw)
    return values


def condition_values(template: dict[str, Any], params: Params) -> dict[str, bool]:
    conditions = template.get("Conditions", {})
    return {name: bool(evaluate(expr, params, conditions)) for name, expr in conditions.items()}


def rule_failures(template: dict[str, Any], params: Params) -> list[str]:
    """AssertDescriptions of the Rules that reject `params` (what CloudFormation would say)."""
    failures = []
    for rule in template.get("Rules", {}).values():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], params):
            continue
        for assertion in rule.get("Assertions", []):
            if not evaluate(assertion["Assert"], params):
                failures.append(assertion.get("AssertDescription", "rule failed"))
    return failures


def exists(item: dict[str, Any], conditions: dict[str, bool]) -> bool:
    return conditions.get(item["Condition"], False) if "Condition" in item else True
