"""cfn-lint, in this process, over every template: informational rules included, nothing tolerated.

A justified exception belongs next to the code that needs it, as cfn-lint's own
`Metadata: cfn-lint: config: ignore_checks` on the resource, so it ships with the template.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from cmek.checks import DistDir, Problem, check, sources

LINT_REGIONS = ["us-east-1"]


@cache
def _rules():
    # Loading the rules once (0.3 s) and linting in-process is ~10x faster than the CLI per file.
    from cfnlint.core import get_rules

    return get_rules([], [], ["I"])


@check(
    "CMEK-LINT-001",
    "cfn-lint (pinned) reports no error, warning or informational finding in any template.",
    sources.CFN_LINT_RULES,
)
def cfn_lint(dist: DistDir) -> Iterator[Problem]:
    from cfnlint.api import ManualArgs, lint

    config = ManualArgs(include_checks=["I"], regions=LINT_REGIONS)
    for stack in dist.templates:
        for match in lint(
            dist.read(stack.path), rules=_rules(), regions=LINT_REGIONS, config=config
        ):
            yield Problem(
                stack.path, f"cfn-lint {match.rule.id}: {match.message}", line=match.linenumber
            )
