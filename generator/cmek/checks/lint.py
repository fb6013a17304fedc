"""cfn-lint, in this process, over every template: informational rules included, nothing tolerated.

A justified exception belongs next to the code that needs it, as cfn-lint's own
`Metadata: cfn-lint: config: ignore_checks` on the resource, so it ships with the template.
"""

from __future__ import annotations

import copy
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
    """Lints the templates `dist` already parsed (with cfn-lint's own decoder, so the same tree
    `cfnlint.api.lint` would build from the text). A copy goes to cfn-lint: its rules rewrite
    parts of the tree they read (the operands of Fn::Equals), and other checks read it after.
    A template that does not parse is CMEK-DIST-003's finding."""
    from cfnlint.api import ManualArgs
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import run_template_by_data

    config = ConfigMixIn(**ManualArgs(include_checks=["I"], regions=LINT_REGIONS))
    for stack, template in dist.templates.items():
        for match in run_template_by_data(copy.deepcopy(template), config, _rules()):
            yield Problem(
                stack.path, f"cfn-lint {match.rule.id}: {match.message}", line=match.linenumber
            )
