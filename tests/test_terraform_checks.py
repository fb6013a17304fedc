"""The Terraform checks beyond their fixtures (tests/check_fixtures): the registry entries, a
fresh build untouched, the config's principal, and how HCL literals are read."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from cmek import model
from cmek.checks import DistDir, Finding, discover, tf_files
from cmek.config import Config
from cmek.model import TfModule

REGISTRY = discover()
TF_IDS = sorted(i for i in REGISTRY if i.startswith("CMEK-TF-"))
POLICY = TfModule.POLICY.path
EXISTING = TfModule.EXISTING_KEY.path
NEW = TfModule.NEW_KEY.path
EXAMPLE = f"{model.TERRAFORM_EXAMPLES_DIR}/{model.Mode.EXISTING_KEY.value}"


def run(root: Path, ids: list[str] = TF_IDS, config: Config | None = None) -> list[Finding]:
    dist = DistDir(root, config or Config())
    return [finding for check_id in ids for finding in REGISTRY[check_id].run(dist)]


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_registry_entries_are_well_formed() -> None:
    assert [int(i.rsplit("-", 1)[1]) for i in TF_IDS] == list(range(1, len(TF_IDS) + 1))
    for check_id in TF_IDS:
        entry = REGISTRY[check_id]
        assert entry.description and "\n" not in entry.description
        assert re.fullmatch(
            r"https://(developer\.hashicorp\.com|docs\.aws\.amazon\.com)/\S+", entry.source_url
        )


def test_fresh_build_has_no_findings_and_stays_untouched(built: Path) -> None:
    before = _digest(built)
    assert run(built) == []
    assert _digest(built) == before


def test_default_principal_is_judged_against_the_config(built: Path) -> None:
    other = Config(principal="arn:aws:iam::111122223333:role/other-principal")
    ids = ["CMEK-TF-004", "CMEK-TF-005"]
    findings = run(built, ids, other)
    assert {f.check_id for f in findings} == set(ids)
    assert all(other.principal in f.message for f in findings)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ('"a\\"b"', 'a"b'),
        ('"$${x}"', "${x}"),
        ('"%%{x}"', "%{x}"),
        ('"a${var.x}"', None),
        ("${x}", None),
        (7, 7),
    ],
)
def test_literal_reads_python_hcl2_strings(raw: object, value: object) -> None:
    assert tf_files.literal(raw) == value
