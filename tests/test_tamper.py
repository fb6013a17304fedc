"""The tamper corpus: hostile edits to a fresh build, each caught with exactly its findings.

tests/tamper/*.yaml each describe what an attacker who can edit a dist before it is published would
do to one or a few files, and every finding `cmek check` must then report, pinned whole (id, file,
line, message, scenarios), in the format of tests/fixture_format.py (shared with the per-check
fixtures; `CMEK_UPDATE_FIXTURES=1` rewrites the `expect:` blocks). Every edit is applied to a copy
of a fresh build and manifest.json is REWRITTEN to match (sha256 and size recomputed, added files
listed): whoever edits the files edits the manifest too, so no finding may come from the manifest.

Every check but cfn-lint (CMEK-LINT-001, judged by its own fixtures) runs, so the corpus stays
fast and a finding of any other check must be expected.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import fixture_format
import pytest
from cmek import model
from cmek.checks import INTERNAL_ID, DistDir, discover, run_all
from cmek.config import Config

CORPUS = Path(__file__).resolve().parent / "tamper"
SKIPPED = {"CMEK-LINT-001"}
CORPUS_MIN = 40
# Each case forks cmek check's second process from this one: warm it once (conftest.py).
pytestmark = pytest.mark.usefixtures("warm_check_caches")


def _cases() -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in sorted(CORPUS.glob("*.yaml"))]


def rewrite_manifest(root: Path) -> None:
    """What an attacker does after editing: a manifest listing every file as it now is."""
    manifest = json.loads((root / model.MANIFEST_FILE).read_text(encoding="utf-8"))
    entries = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relpath = path.relative_to(root).as_posix()
        if relpath == model.MANIFEST_FILE:
            continue
        data = path.read_bytes()
        entries.append(
            {"path": relpath, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        )
    manifest["files"] = entries
    (root / model.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "dist"
    shutil.copytree(built, target)
    return target


def _checks() -> list[str]:
    return sorted(set(discover()) - SKIPPED)


@pytest.mark.parametrize("path", _cases())
def test_tamper_is_caught_with_exactly_its_findings(path: Path, copy: Path) -> None:
    case = fixture_format.load(path)
    fixture_format.apply_all(copy, case["edits"])
    rewrite_manifest(copy)
    findings = run_all(DistDir(copy, Config()), only=_checks())
    got = fixture_format.pinned(findings, copy)
    fixture_format.check(path, case, got)
    assert got, "a tamper case must expect at least one finding"
    assert INTERNAL_ID not in {e["id"] for e in got}, got


def test_corpus_is_large_enough_and_names_real_checks() -> None:
    cases = [fixture_format.load(p) for p in sorted(CORPUS.glob("*.yaml"))]
    assert len(cases) >= CORPUS_MIN
    for case in cases:
        assert case["description"] and case["edits"]
        assert {e["id"] for e in case["expect"]} <= set(_checks())


def test_the_rewritten_manifest_of_an_untouched_build_passes(copy: Path) -> None:
    # The harness itself adds no finding: an untouched copy with its manifest rewritten is clean.
    rewrite_manifest(copy)
    assert run_all(DistDir(copy, Config()), only=_checks()) == []
