"""A clone of the repository with nothing beside it has every file its tests read.

CI and a user clone the repository alone: nothing may come from a folder beside it (the project's
shared reference folder is not there). The clone is made from the committed HEAD into an empty
temporary folder, and the tests that read vendored sources (the AWS Guard rules, ClickHouse's
provider docs and examples) run inside it with `cmek` imported from the clone itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The tests that read files from tests/vendor (the others read only the package and dist/).
VENDORED_READERS = (
    "tests/test_scanners.py::test_guard_rule_file_finds_nothing",
    "tests/test_provider_conformance.py::test_tfplugindocs_parser_reads_roles_and_nested_schemas",
    "tests/test_provider_conformance.py::"
    "test_every_clickhouse_block_and_argument_we_use_is_in_the_provider_schema",
    "tests/test_provider_conformance.py::"
    "test_every_argument_clickhouse_sets_is_set_or_named_as_left_out",
)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    alone = tmp_path_factory.mktemp("alone")
    target = alone / "cmek"
    done = subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in alone.iterdir()] == ["cmek"]
    # The scanners' venv is what `.ci/run` makes inside the clone (scripts/scanners.py setup);
    # the one made for this checkout stands in for it, inside the clone, not beside it.
    scanners = REPO / ".venv-scanners"
    if scanners.is_dir():
        (target / ".venv-scanners").symlink_to(scanners)
    return target


def test_no_tracked_file_reads_beside_the_checkout(clone: Path) -> None:
    tracked = subprocess.run(
        ["git", "grep", "-l", "-E", r"\.\./shared|parent / \"shared\"", "--", "tests", "scripts",
         "generator", ".ci"],
        cwd=clone, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert tracked.stdout == "", tracked.stdout


def test_vendored_sources_are_in_the_clone_and_their_tests_pass_there(clone: Path) -> None:
    for vendored in ("tests/vendor/aws-guard-rules", "tests/vendor/terraform-provider-clickhouse"):
        assert (clone / vendored / "LICENSE").is_file(), vendored
        assert "Provenance" in (clone / vendored / "README.md").read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(clone / "generator"), "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *VENDORED_READERS],
        cwd=clone, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    rules = len(list((clone / "tests/vendor/aws-guard-rules").glob("*.guard")))
    assert f"\n{rules + len(VENDORED_READERS) - 1} passed in " in run.stdout, run.stdout[-500:]
    imported = subprocess.run(
        [sys.executable, "-c", "import cmek; print(cmek.__file__)"],
        cwd=clone, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert Path(imported.stdout.strip()).is_relative_to(clone), imported.stdout
