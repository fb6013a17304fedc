"""CMEK-CFN-007: ARNs use ${AWS::Partition}, never a hard-coded partition."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cmek import model
from cmek.checks import DistDir, Problems, check, sources
from cmek.checks.registry import judging


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


@check(
    "CMEK-CFN-007",
    "ARNs the template builds use ${AWS::Partition}, never a hard-coded partition.",
    sources.CFN_PSEUDO_PARAMETERS,
)
def partition(dist: DistDir) -> Problems:
    for stack, template in dist.templates.items():
        with judging(stack.path):
            for section in ("Resources", "Outputs", "Conditions", "Rules"):
                for text in _strings(template.get(section, {})):
                    if re.search(rf"arn:{model.PARTITION_PATTERN}:", text):
                        yield stack.path, f"{section}: hard-coded partition in {text!r}"
