"""The checks: each a small registered unit with a stable id, judging one concern.

A check reads the artifacts as a user receives them (files under a dist directory), takes its
expectations from the model and the config, and reports one finding per defect. `registry`
holds the machinery, `dist_dir` the reading, `runner` the running; every other module of this
package holds checks and is found by `registry.discover` (no list to keep).
"""

from __future__ import annotations

from cmek.checks.dist_dir import ArtifactError, DistDir
from cmek.checks.registry import (
    INTERNAL_ID,
    Check,
    Finding,
    Problem,
    Problems,
    check,
    discover,
)
from cmek.checks.runner import run_all

__all__ = [
    "INTERNAL_ID",
    "ArtifactError",
    "Check",
    "DistDir",
    "Finding",
    "Problem",
    "Problems",
    "check",
    "discover",
    "run_all",
]
