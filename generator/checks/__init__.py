"""The check registry: small units with a stable id, a one-line description and an AWS doc.

A check reads the artifacts as a user receives them (files under a dist directory), takes its
expectations from the model and the config, and yields one `Finding` per problem. Modules in this
package register checks with `@check(...)`; `run_all` imports them and runs every check.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from generator import model
from generator.config import Config

# Modules that define checks, in the order their findings are reported.
CHECK_MODULES = (
    "generator.checks.dist",
    "generator.checks.lint",
    "generator.checks.cloudformation",
    "generator.checks.links",
    "generator.checks.terraform",
)


@dataclass(frozen=True)
class Finding:
    check_id: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.check_id} {self.message}"


@dataclass
class Dist:
    """A built dist directory and the expectations (from the config) to judge it against."""

    root: Path
    config: Config = field(default_factory=Config)

    def read(self, relpath: str) -> str:
        return (self.root / relpath).read_text(encoding="utf-8")

    def exists(self, relpath: str) -> bool:
        return (self.root / relpath).is_file()

    @cached_property
    def templates(self) -> dict[model.Stack, dict[str, Any]]:
        """Every stack template that exists and parses (cfn-lint's decoder reads short-form tags).

        A template that does not parse is left out here and reported by `parse_errors`.
        """
        return {stack: t for stack, t in self._parsed.items() if isinstance(t, dict)}

    @property
    def parse_errors(self) -> dict[model.Stack, str]:
        return {stack: t for stack, t in self._parsed.items() if isinstance(t, str)}

    @cached_property
    def _parsed(self) -> dict[model.Stack, dict[str, Any] | str]:
        from cfnlint.decode.cfn_yaml import loads

        parsed: dict[model.Stack, dict[str, Any] | str] = {}
        for stack in model.STACKS:
            if self.exists(stack.path):
                try:
                    parsed[stack] = loads(self.read(stack.path), stack.path)
                except Exception as exc:
                    parsed[stack] = f"does not parse: {str(exc).splitlines()[0]}"
        return parsed

    @cached_property
    def links(self) -> dict[str, Any]:
        return json.loads(self.read(model.LINKS_FILE))

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return json.loads(self.read(model.MANIFEST_FILE))


@dataclass(frozen=True)
class Check:
    id: str
    description: str
    doc: str
    run: Callable[[Dist], Iterable[Finding]]


REGISTRY: dict[str, Check] = {}


def check(check_id: str, description: str, doc: str) -> Callable:
    """Register `fn(dist) -> iterable of (path, message)` as a check."""

    def register(fn: Callable[[Dist], Iterable[tuple[str, str]]]) -> Callable:
        if check_id in REGISTRY:
            raise ValueError(f"duplicate check id {check_id}")

        def run(dist: Dist) -> Iterator[Finding]:
            for path, message in fn(dist):
                yield Finding(check_id, path, message)

        REGISTRY[check_id] = Check(check_id, description, doc, run)
        return fn

    return register


def load_all() -> dict[str, Check]:
    for name in CHECK_MODULES:
        importlib.import_module(name)
    return REGISTRY


def run_all(dist: Dist, only: Iterable[str] | None = None) -> list[Finding]:
    checks = load_all()
    selected = list(only) if only is not None else list(checks)
    findings: list[Finding] = []
    for check_id in selected:
        findings.extend(checks[check_id].run(dist))
    return findings
