"""Deny by default: the complete inventory of each artifact must equal the model's.

The other checks judge the statements and resources they expect; these list *everything* a template
or a Terraform directory holds (sections, resources with their type, condition, attributes and
properties; every provider, resource, data and module block with its arguments and source, each
block once) and report whatever the model (model.CFN_RESOURCES_BY_MODE, model.TF_INVENTORY) does
not state. CMEK-INV-003 (tf_values.py) compares the values. An
attacker who adds an `AWS::IAM::Policy`, a `ManagedPolicyArns`, an `aws_kms_grant` or a module from
elsewhere, and rewrites manifest.json to match, is stopped here.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from cmek import model
from cmek.checks import DistDir, Problems, check, sources, tf_files
from cmek.checks.cloudformation.resolution import scenarios
from cmek.checks.registry import judging
from cmek.model import CfnResource, Stack, TfBlock


def _names(kind: str, names: set[str], expected: set[str], what: str) -> Iterator[str]:
    """One problem per name missing from, or added to, `expected`."""
    for name in sorted(expected - names):
        yield f"{what}: {kind} {name} of the model is missing"
    for name in sorted(names - expected):
        yield f"{what}: {kind} {name} is not in the model"


def _resource_problems(
    logical_id: str, resource: Any, want: CfnResource, condition: str | None
) -> Iterator[str]:
    if not isinstance(resource, dict):
        yield f"resource {logical_id} is not a mapping"
        return
    if resource.get("Type") != want.type:
        yield f"resource {logical_id} is {resource.get('Type')!r}, the model says {want.type}"
    if resource.get("Condition") != condition:
        got = resource.get("Condition")
        yield f"resource {logical_id} has Condition {got!r}, the model says {condition!r}"
    attributes = set(resource) - set(model.CFN_BASE_ATTRIBUTES)
    for name in sorted(attributes - set(want.attributes)):
        yield f"resource {logical_id}: attribute {name} is not in the model"
    properties = resource.get("Properties")
    names = set(properties) if isinstance(properties, dict) else set()
    yield from _names("property", names, set(want.properties), f"resource {logical_id}")


def _template_problems(stack: Stack, template: dict[str, Any]) -> Iterator[str]:
    for section in sorted(set(template) - set(model.CFN_TEMPLATE_SECTIONS)):
        yield f"section {section} is not in the model (a Transform or macro rewrites the template)"
    expected = model.cfn_inventory(stack)
    resources = template.get("Resources", {})
    yield from _names("resource", set(resources), set(expected), "Resources")
    for logical_id, (want, condition) in expected.items():
        if logical_id in resources:
            yield from _resource_problems(logical_id, resources[logical_id], want, condition)


@check(
    "CMEK-INV-001",
    "Each template holds exactly the model's sections and resources (logical ID, type, condition, "
    "attributes, properties), and each mode creates exactly its resources.",
    sources.CFN_TEMPLATE_ANATOMY,
)
def cloudformation(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        with judging(stack.path):
            for problem in _template_problems(stack, template):
                yield stack.path, problem
    known = {r.logical_id for rs in model.CFN_RESOURCES_BY_MODE.values() for r in rs}
    for scenario in scenarios(dist):
        with judging(scenario.stack.path):
            expected = {r.logical_id for r in model.CFN_RESOURCES_BY_MODE[scenario.mode]}
            created = set(scenario.resources) & known
            if created != expected:
                yield (
                    scenario.stack.path,
                    f"mode {scenario.mode.value} creates {sorted(created)}, the model says "
                    f"{sorted(expected)}",
                    scenario.label,
                )


def _arguments(body: dict[str, Any]) -> set[str]:
    """A block's argument and nested-block names (python-hcl2's own keys start with `__`)."""
    return {name for name in body if not name.startswith("__")}


def _block_problems(directory: tf_files.Directory, want: tuple[TfBlock, ...]) -> Problems:
    expected = {(b.kind, b.labels): b for b in want}
    found: dict[tuple[str, tuple[str, ...]], list[tuple[str, dict[str, Any]]]] = {}
    for kind in model.TF_INVENTORIED_KINDS:
        for relpath, labels, body in directory.blocks(kind):
            found.setdefault((kind, labels), []).append((relpath, body))
    for key in sorted(set(expected) - set(found)):
        yield directory.path, f"{key[0]} {'.'.join(key[1])} of the model is missing"
    for key, bodies in sorted(found.items()):
        name = f"{key[0]} {'.'.join(key[1])}"
        for relpath, _ in bodies[1:]:
            yield relpath, f"{name} appears again (a second block with the same labels)"
        for relpath, body in bodies:
            for problem in _body_problems(name, body, expected.get(key)):
                yield relpath, problem


def _body_problems(name: str, body: dict[str, Any], block: TfBlock | None) -> Iterator[str]:
    """Each block, a repeated one included, holds only its model's arguments and source."""
    if block is None:
        yield f"{name} is not in the model"
        return
    yield from _names("argument", _arguments(body), set(block.arguments), name)
    source = tf_files.literal(body.get("source"))
    if block.source is not None and source != block.source:
        yield f"{name} has source {source!r}, the model says {block.source!r}"


def _kind_problems(directory: tf_files.Directory) -> Problems:
    for relpath, doc in directory.docs.items():
        for kind in sorted(set(doc) - set(model.TF_BLOCK_KINDS)):
            if not kind.startswith("__"):
                yield relpath, f"top-level {kind!r} blocks are not in the model"


@check(
    "CMEK-INV-002",
    "Each Terraform module and example holds exactly the model's provider, resource, data and "
    "module blocks (type and name), each with only the model's arguments, modules from the "
    "model's source.",
    sources.TF_RESOURCES,
)
def terraform(dist: DistDir) -> Problems:
    paths = {
        posixpath.dirname(p)
        for p in tf_files.hcl_files(dist.root)
        if p.endswith(".tf") and dist.exists(p)
    }
    for path in sorted(paths - set(model.TF_INVENTORY)):
        yield path, "a directory of Terraform files that is not in the model"
    for path, want in model.TF_INVENTORY.items():
        directory = tf_files.directory(dist, path)
        yield from _kind_problems(directory)
        yield from _block_problems(directory, want)
