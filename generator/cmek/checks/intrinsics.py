"""Evaluate CloudFormation's intrinsic, condition and rule functions for a given parameter set.

Checks need to know which resources and outputs exist in each mode of a template, what each
policy says once resolved, and whether the Rules reject a parameter set. No maintained library
does this offline: cfn-lint reasons about condition satisfiability (not values), cloud-radar skips
Rules and prints to stdout, and moto ignores Rules. Every function CloudFormation defines is
either evaluated here or refused by name (`REFUSED`, and any other `Fn::` name): the error says
which function and where, so a template that uses one is a finding, never misjudged or a crash.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Params = dict[str, str | list[str]]
NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# What CloudFormation supplies at deployment; a condition reading one depends on where the stack
# runs (see `free_conditions`).
PSEUDO_PARAMETERS = (
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
)
# Functions whose value only a deployment knows, or that rewrite the template: never guessed.
REFUSED: dict[str, str] = {
    "Fn::Cidr": "its ranges depend on the deployment's VPC",
    "Fn::GetAZs": "the Availability Zones depend on the deployment's account and region",
    "Fn::ImportValue": "its value is another stack's export, unknown offline",
    "Fn::Transform": "a macro rewrites the template at deployment",
    "Fn::ForEach": "a language-extension macro rewrites the template at deployment",
    "Fn::EachMemberEquals": "a Rules-only function cmek does not evaluate",
    "Fn::EachMemberIn": "a Rules-only function cmek does not evaluate",
    "Fn::RefAll": "a Rules-only function cmek does not evaluate",
    "Fn::ValueOf": "a Rules-only function cmek does not evaluate",
    "Fn::ValueOfAll": "a Rules-only function cmek does not evaluate",
}


class Unsupported(ValueError):
    """The template uses a function (or a form of one) this evaluator cannot evaluate.

    `where` is the path in the template, filled in by `resolve` as the error passes up.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.where: tuple[str | int, ...] | None = None

    def __str__(self) -> str:
        text = super().__str__()
        if self.where is None:
            return text
        return f"{text} at {'.'.join(str(part) for part in self.where) or 'the top'}"


class PseudoDependent(Unsupported):
    """A value depends on a pseudo parameter that was not given (where the stack runs)."""


@dataclass(frozen=True)
class _Env:
    params: Params
    conditions: dict[str, Any]
    mappings: dict[str, Any] = field(default_factory=dict)

    def ev(self, expr: Any) -> Any:
        return evaluate(expr, self.params, self.conditions, self.mappings)


def _ref(env: _Env, arg: Any) -> Any:
    if arg == "AWS::NoValue":
        return NO_VALUE
    if not isinstance(arg, str) or arg not in env.params:
        error = PseudoDependent if arg in PSEUDO_PARAMETERS else Unsupported
        raise error(f"Ref to unknown name {arg!r}")
    return env.params[arg]


def _condition(env: _Env, name: Any) -> bool:
    if not isinstance(name, str) or name not in env.conditions:
        raise Unsupported(f"condition {name!r} is not defined in Conditions")
    value = env.conditions[name]
    return value if isinstance(value, bool) else bool(env.ev(value))


def _sub(env: _Env, arg: Any) -> str:
    text, variables = (arg, {}) if isinstance(arg, str) else _pair(arg, "Fn::Sub")
    if not isinstance(text, str) or not isinstance(variables, dict):
        raise Unsupported("Fn::Sub takes a string, or [string, {name: value}]")
    values = {name: env.ev(value) for name, value in variables.items()}

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in values:
            return _text(values[name], "Fn::Sub")
        if "." in name and name.split(".", 1)[0] in env.params:
            return name  # ${Resource.Attribute}: a GetAtt
        return _text(env.ev({"Ref": name}), "Fn::Sub")

    return _SUB_VARIABLE.sub(one, text)


def _pair(arg: Any, name: str) -> tuple[Any, Any]:
    if not isinstance(arg, list) or len(arg) != 2:
        raise Unsupported(f"{name} takes a list of two")
    return arg[0], arg[1]


def _text(value: Any, name: str) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise Unsupported(f"{name} needs a string, got {value!r}")
    return str(value)


def _get_att(env: _Env, arg: Any) -> str:
    if isinstance(arg, str) and "." in arg:
        return arg
    resource, attribute = _pair(arg, "Fn::GetAtt")
    return f"{_text(resource, 'Fn::GetAtt')}.{_text(env.ev(attribute), 'Fn::GetAtt')}"


def _select(env: _Env, arg: Any) -> Any:
    index, items = _pair(arg, "Fn::Select")
    items, index = env.ev(items), env.ev(index)
    if not isinstance(items, list) or not str(index).isdigit() or int(index) >= len(items):
        raise Unsupported(f"Fn::Select index {index!r} is not within {items!r}")
    return items[int(index)]


def _join(env: _Env, arg: Any) -> str:
    delimiter, items = _pair(arg, "Fn::Join")
    items = env.ev(items)
    if not isinstance(items, list):
        raise Unsupported(f"Fn::Join needs a list, got {items!r}")
    return _text(delimiter, "Fn::Join").join(_text(i, "Fn::Join") for i in items)


def _split(env: _Env, arg: Any) -> list[str]:
    delimiter, text = _pair(arg, "Fn::Split")
    return _text(env.ev(text), "Fn::Split").split(_text(delimiter, "Fn::Split"))


def _find_in_map(env: _Env, arg: Any) -> Any:
    if not isinstance(arg, list) or len(arg) != 3:
        raise Unsupported("Fn::FindInMap takes [map, top-level key, second-level key]")
    node: Any = env.mappings
    for key in (env.ev(a) for a in arg):
        if not isinstance(node, dict) or not isinstance(key, str) or key not in node:
            raise Unsupported(f"Fn::FindInMap finds no {key!r} in Mappings")
        node = node[key]
    return node


def _if(env: _Env, arg: Any) -> Any:
    if not isinstance(arg, list) or len(arg) != 3:
        raise Unsupported("Fn::If takes [condition, value if true, value if false]")
    taken = arg[1] if _condition(env, arg[0]) else arg[2]
    return resolve(taken, env.params, env.conditions, env.mappings)


def _contains(env: _Env, arg: Any) -> bool:
    items, value = _pair(arg, "Fn::Contains")
    return env.ev(value) in env.ev(items)


def _length(env: _Env, arg: Any) -> int:
    items = env.ev(arg)
    if not isinstance(items, list):
        raise Unsupported(f"Fn::Length needs a list, got {items!r}")
    return len(items)


_FUNCTIONS: dict[str, Callable[[_Env, Any], Any]] = {
    "Ref": _ref,
    "Condition": _condition,
    "Fn::Sub": _sub,
    "Fn::GetAtt": _get_att,
    "Fn::Select": _select,
    "Fn::Join": _join,
    "Fn::Split": _split,
    "Fn::FindInMap": _find_in_map,
    "Fn::If": _if,
    "Fn::Contains": _contains,
    "Fn::Length": _length,
    "Fn::Base64": lambda env, arg: base64.b64encode(
        _text(env.ev(arg), "Fn::Base64").encode()
    ).decode(),
    "Fn::ToJsonString": lambda env, arg: json.dumps(
        resolve(arg, env.params, env.conditions, env.mappings), separators=(",", ":")
    ),
    "Fn::Equals": lambda env, arg: env.ev(_pair(arg, "Fn::Equals")[0]) == env.ev(arg[1]),
    "Fn::Not": lambda env, arg: not env.ev(arg[0] if isinstance(arg, list) else arg),
    "Fn::And": lambda env, arg: all(env.ev(a) for a in arg),
    "Fn::Or": lambda env, arg: any(env.ev(a) for a in arg),
}
# Every function name `evaluate` knows: what CMEK-CFN-012 lets a template use.
EVALUATED = frozenset(_FUNCTIONS)


def is_function(node: Any) -> bool:
    """A one-key mapping naming a function: `Ref` or `Fn::...` (`Condition` only in conditions)."""
    if not isinstance(node, dict) or len(node) != 1:
        return False
    (name,) = node
    return name == "Ref" or str(name).startswith("Fn::")


def evaluate(
    expr: Any,
    params: Params,
    conditions: dict[str, Any] | None = None,
    mappings: dict[str, Any] | None = None,
) -> Any:
    """The value of `expr`; `conditions` maps names to a bool or their expression."""
    if isinstance(expr, (str, int, bool)):
        return expr
    env = _Env(params, conditions or {}, mappings or {})
    if isinstance(expr, list):
        return [env.ev(e) for e in expr]
    if not is_function(expr) and not (isinstance(expr, dict) and list(expr) == ["Condition"]):
        raise Unsupported(f"not an intrinsic function: {str(expr)[:80]}")
    ((name, arg),) = expr.items()
    if name in REFUSED:
        raise Unsupported(f"{name} cannot be judged offline: {REFUSED[name]}")
    if name not in _FUNCTIONS:
        raise Unsupported(f"{name} is not a function CloudFormation defines")
    return _FUNCTIONS[name](env, arg)


def resolve(
    node: Any,
    params: Params,
    conditions: dict[str, Any],
    mappings: dict[str, Any] | None = None,
    where: tuple[str | int, ...] = (),
) -> Any:
    """`node` with every intrinsic function evaluated and `AWS::NoValue` properties removed.

    `params` holds parameters, pseudo parameters and, for `Ref` to a resource, a placeholder.
    GetAtt gives "Resource.Attribute", since only a deployment knows the real value. An
    `Unsupported` error leaves naming `where` in the template it was met.
    """
    try:
        if isinstance(node, list):
            items = [
                resolve(item, params, conditions, mappings, (*where, i))
                for i, item in enumerate(node)
            ]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if is_function(node):
            value = evaluate(node, params, conditions, mappings)
            return value if value is NO_VALUE else resolve(value, params, conditions, mappings)
        resolved = {
            key: resolve(value, params, conditions, mappings, (*where, key))
            for key, value in node.items()
        }
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}
    except Unsupported as exc:
        if exc.where is None:
            exc.where = where
        raise


def parameter_values(template: dict[str, Any], given: dict[str, str]) -> Params:
    """Parameter values as CloudFormation passes them: defaults filled in, lists split on ','."""
    values: Params = {}
    for name, spec in template.get("Parameters", {}).items():
        raw = given.get(name, spec.get("Default"))
        if raw is None:
            continue
        values[name] = str(raw).split(",") if spec.get("Type") == "CommaDelimitedList" else str(raw)
    return values


def condition_values(
    template: dict[str, Any], params: Params, assumed: dict[str, bool] | None = None
) -> dict[str, bool]:
    """Each condition's value; those in `assumed` take the value given there."""
    conditions: dict[str, Any] = dict(template.get("Conditions", {})) | (assumed or {})
    return {name: _condition(_Env(params, conditions), name) for name in conditions}


def free_conditions(template: dict[str, Any], params: Params) -> list[str]:
    """The conditions whose value depends on where the stack runs (a pseudo parameter: account,
    region, stack name, partition...), so a check must judge them both ways."""
    known = {k: v for k, v in params.items() if k not in PSEUDO_PARAMETERS}
    conditions = template.get("Conditions", {})
    free = []
    for name in conditions:
        try:
            _condition(_Env(known, conditions), name)
        except PseudoDependent:
            free.append(name)
    return free


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
