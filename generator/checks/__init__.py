"""The check registry: small units with a stable id, a one-line description and an AWS doc.

A check reads the artifacts as a user receives them (files under a dist directory), takes its
expectations from the model and the config, and yields one `Finding` per problem. Modules in this
package register checks with `@check(...)`; `run_all` imports them and runs every check.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from multiprocessing.connection import Connection
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
# cfn-lint runs in this process; every other check runs meanwhile in a forked one (see run_all).
LINT_MODULE = "generator.checks.lint"


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
        try:
            return (self.root / relpath).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ArtifactError(relpath, f"is not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:
            raise ArtifactError(relpath, f"cannot be read: {exc.strerror}") from None

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
            if not self.exists(stack.path):
                continue
            try:
                template = loads(self.read(stack.path), stack.path)
            except Exception as exc:  # any parser failure is a finding, not a crash
                parsed[stack] = f"does not parse: {_first_line(exc)}"
                continue
            if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
                parsed[stack] = "is not a CloudFormation template (no Resources mapping)"
            else:
                parsed[stack] = template
        return parsed

    @cached_property
    def links(self) -> dict[str, Any]:
        return self._json_object(model.LINKS_FILE, "links")

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return self._json_object(model.MANIFEST_FILE, "files")

    def _json_object(self, relpath: str, list_key: str) -> dict[str, Any]:
        try:
            data = json.loads(self.read(relpath))
        except (OSError, ValueError) as exc:
            raise ArtifactError(relpath, f"cannot be read as JSON: {_first_line(exc)}") from None
        if not isinstance(data, dict) or not isinstance(data.get(list_key), list):
            raise ArtifactError(relpath, f"expected a JSON object with a {list_key!r} list")
        return data


class ArtifactError(ValueError):
    """An artifact is too damaged for a check to judge it; reported as that check's finding."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


@dataclass(frozen=True)
class Check:
    id: str
    description: str
    doc: str
    run: Callable[[Dist], Iterable[Finding]]
    module: str


REGISTRY: dict[str, Check] = {}


def check(check_id: str, description: str, doc: str) -> Callable:
    """Register `fn(dist) -> iterable of (path, message)` as a check."""

    def register(fn: Callable[[Dist], Iterable[tuple[str, str]]]) -> Callable:
        if check_id in REGISTRY:
            raise ValueError(f"duplicate check id {check_id}")

        def run(dist: Dist) -> Iterator[Finding]:
            try:
                for path, message in fn(dist):
                    yield Finding(check_id, str(path), str(message))
            except ArtifactError as exc:
                yield Finding(check_id, exc.path, str(exc))
            # A damaged artifact (wrong shape, bad bytes) must fail the check, not crash `cmek
            # check`: the good-build tests keep a bug in a check itself from hiding here.
            except (LookupError, TypeError, ValueError, AttributeError, OSError) as exc:
                yield Finding(
                    check_id, ".", f"could not be checked: {type(exc).__name__}: {_first_line(exc)}"
                )

        REGISTRY[check_id] = Check(check_id, description, doc, run, fn.__module__)
        return fn

    return register


def load_all() -> dict[str, Check]:
    for name in CHECK_MODULES:
        importlib.import_module(name)
    return REGISTRY


def _run(dist: Dist, check_ids: list[str]) -> dict[str, list[Finding]]:
    checks = load_all()
    return {check_id: list(checks[check_id].run(dist)) for check_id in check_ids}


def _run_and_send(conn: Connection, dist: Dist, check_ids: list[str]) -> None:
    try:
        conn.send(_run(dist, check_ids))
    except BaseException as exc:
        conn.send(exc)
    finally:
        conn.close()


def _run_forked(dist: Dist, check_ids: list[str]) -> Callable[[], dict[str, list[Finding]]]:
    """Start `check_ids` in a forked child (it inherits `dist` and every import, no pickling of
    the parsed templates); the returned function waits for and returns the child's results."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_and_send, args=(sender, dist, check_ids), daemon=True)
    child.start()
    sender.close()

    def result() -> dict[str, list[Finding]]:
        try:
            outcome = receiver.recv()
        except EOFError:
            raise RuntimeError(f"check process died (exit code {child.exitcode})") from None
        finally:
            child.join()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return result


def run_all(dist: Dist, only: Iterable[str] | None = None) -> list[Finding]:
    """Run the checks (all, or `only` these ids); findings come in registry order.

    cfn-lint takes about as much CPU as all the other checks together (template parsing, real
    Terraform, HCL parsing): the others run in a forked process on the second core, so
    `cmek check` costs about one bare cfn-lint run.
    """
    checks = load_all()
    selected = list(only) if only is not None else list(checks)
    main = [i for i in selected if checks[i].module == LINT_MODULE]
    side = [i for i in selected if i not in main]
    if not (side and main):
        results = _run(dist, selected)
    else:
        # Parse before forking, so both processes share cfn-lint's import and the templates.
        dist.templates  # noqa: B018
        side_results = _run_forked(dist, side)
        results = _run(dist, main) | side_results()
    return [finding for check_id in selected for finding in results[check_id]]
