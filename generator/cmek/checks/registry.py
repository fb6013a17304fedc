"""The check registry: small units with a stable id, a one-line description and a source URL.

A check is a function `fn(dist) -> iterable of problems`, registered with `@check(...)`; every
module of this package and its subpackages is imported by `discover`, so adding a check is
adding a function. A problem is `(path, message)`, `(path, message, scenario)` or a `Problem`
(with a line number).
A check that waits on slow outside work (Terraform runs) names a `start(dist)` that begins it
without waiting, so the runner can start it before any check runs and overlap it with them.
A check that cannot run because a tool is missing raises `ToolError`: that is no verdict on the
artifacts, so it is passed on (exit 3), never turned into a finding.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from cmek.checks.dist_dir import DistDir

# The id of the finding a crashing check produces: no check has it, so no fixture expecting a
# check's own finding can pass because the check crashed.
INTERNAL_ID = "CMEK-INTERNAL"
INTERNAL_DESCRIPTION = "A check crashed: a bug in cmek, not a verdict on the artifacts."
INTERNAL_SOURCE_URL = "https://docs.python.org/3/tutorial/errors.html"
# Where `judging` records, on an exception, the artifact a check was judging when it crashed.
JUDGING_ATTRIBUTE = "cmek_judging"


class Problem(NamedTuple):
    """What a check reports; `scenario` names the parameter set it was seen in, if any."""

    path: str
    message: str
    scenario: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Finding:
    check_id: str
    path: str
    message: str
    scenarios: tuple[str, ...] = ()
    line: int | None = None

    @property
    def text(self) -> str:
        """The message, naming the scenarios the defect was seen in."""
        return (
            f"{self.message} (in {'; '.join(self.scenarios)})" if self.scenarios else self.message
        )

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.check_id} {self.text}"


@dataclass(frozen=True)
class Check:
    id: str
    description: str
    source_url: str
    fn: Callable[[DistDir], Iterable[Any]]
    start: Callable[[DistDir], object] | None = None

    @property
    def code(self) -> str:
        """Where the check's code is: `module:function`."""
        return f"{self.fn.__module__}:{self.fn.__qualname__}"

    def run(self, dist: DistDir) -> list[Finding]:
        """The findings of this check on `dist`: one per defect, naming every scenario it was
        seen in; a crash adds an `INTERNAL_ID` finding instead of stopping `cmek check`. A
        `ToolError` (a missing tool) propagates: the check could not run."""
        from cmek.checks.dist_dir import ArtifactError
        from cmek.errors import ToolError

        problems: list[Problem] = []
        try:
            problems.extend(_problem(item) for item in self.fn(dist))
        except ToolError:
            raise
        except ArtifactError as exc:
            problems.append(Problem(exc.path, str(exc)))
        except Exception as exc:
            return [*_merged(self.id, problems), _crash(self, exc)]
        return _merged(self.id, problems)


def _crash(check: Check, exc: Exception) -> Finding:
    """The finding of a crash: the file it was judging (see `judging`) and what it could not
    judge; never a pass."""
    from cmek.checks.dist_dir import first_line

    crash = f"{type(exc).__name__}: {first_line(exc)}"
    path = getattr(exc, JUDGING_ATTRIBUTE, ".")
    what = f"crashed and could not judge {path}" if path != "." else "crashed"
    return Finding(INTERNAL_ID, path, f"check {check.id} ({check.code}) {what}: {crash}")


@contextmanager
def judging(path: str) -> Iterator[None]:
    """Mark a check's work on one artifact: a crash inside names `path` in its finding."""
    try:
        yield
    except Exception as exc:
        if not hasattr(exc, JUDGING_ATTRIBUTE):
            setattr(exc, JUDGING_ATTRIBUTE, path)
        raise


def _problem(item: Problem | tuple) -> Problem:
    path, message, *rest = item
    return Problem(str(path), str(message), *rest)


def _merged(check_id: str, problems: list[Problem]) -> list[Finding]:
    """One finding per (path, message, line), naming the scenarios it was seen in, in order."""
    seen: dict[tuple[str, str, int | None], list[str]] = {}
    for problem in problems:
        scenarios = seen.setdefault((problem.path, problem.message, problem.line), [])
        if problem.scenario and problem.scenario not in scenarios:
            scenarios.append(problem.scenario)
    return [
        Finding(check_id, path, message, tuple(scenarios), line)
        for (path, message, line), scenarios in seen.items()
    ]


# What a check function returns.
Problems = Iterator[Problem | tuple[str, str] | tuple[str, str, str]]

REGISTRY: dict[str, Check] = {}


def check(
    check_id: str,
    description: str,
    source_url: str,
    start: Callable[[DistDir], object] | None = None,
) -> Callable:
    """Register `fn(dist) -> iterable of problems` as the check `check_id`; `start(dist)`, if
    given, begins the slow work it waits on (see the module docstring)."""

    def register(fn: Callable) -> Callable:
        if check_id in REGISTRY or check_id == INTERNAL_ID:
            raise ValueError(f"duplicate check id {check_id}")
        REGISTRY[check_id] = Check(check_id, description, source_url, fn, start)
        return fn

    return register


def discover() -> dict[str, Check]:
    """Every registered check, by id: each module of this package and its subpackages (one
    check per module in `cloudformation`) is imported once."""
    package = importlib.import_module("cmek.checks")
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        importlib.import_module(info.name)
    return dict(sorted(REGISTRY.items()))
