"""The Terraform checks: silent on a fresh build, and each fires on the defect it exists for."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import generator.checks.terraform as tf_checks
from generator import model
from generator.checks import REGISTRY, Dist, Finding
from generator.config import Config
from generator.model import TfModule

TF_IDS = sorted(i for i in REGISTRY if i.startswith("CMEK-TF-"))
POLICY = TfModule.POLICY.path
EXISTING = TfModule.EXISTING_KEY.path
NEW = TfModule.NEW_KEY.path
EXAMPLE = f"{model.TERRAFORM_EXAMPLES_DIR}/{model.Mode.EXISTING_KEY.value}"


def run(root: Path, ids: list[str] = TF_IDS, config: Config | None = None) -> list[Finding]:
    dist = Dist(root, config or Config())
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
            r"https://(developer\.hashicorp\.com|docs\.aws\.amazon\.com)/\S+", entry.doc
        )


def test_fresh_build_has_no_findings_and_stays_untouched(built: Path) -> None:
    before = _digest(built)
    assert run(built) == []
    assert _digest(built) == before


def _replace(path: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        target = root / path
        text = target.read_text(encoding="utf-8")
        assert old in text, f"mutation target {old!r} not in {path}"
        target.write_text(text.replace(old, new, count), encoding="utf-8")

    return mutate


def _delete(path: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        target = root / path
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()

    return mutate


_ACTION = f'    "{model.V1.actions[0]}",\n'
_TESTS = f"{POLICY}/{model.TERRAFORM_TESTS_DIR}"

BREAKAGES: list[tuple[str, str, Callable[[Path], None]]] = [
    ("CMEK-TF-001", "unclosed block", _replace(f"{EXISTING}/main.tf", "resource", "resource {")),
    (
        "CMEK-TF-001",
        "broken tfvars example",
        _replace(f"{EXAMPLE}/terraform.tfvars.example", " = ", " == "),
    ),
    ("CMEK-TF-002", "misaligned", _replace(f"{NEW}/main.tf", "  key_usage ", "  key_usage   ")),
    (
        "CMEK-TF-002",
        "misaligned tfvars",
        _replace(f"{EXAMPLE}/terraform.tfvars.example", "region ", "region"),
    ),
    ("CMEK-TF-003", "no tests", _delete(_TESTS)),
    ("CMEK-TF-003", "action dropped", _replace(f"{POLICY}/main.tf", _ACTION, "")),
    (
        "CMEK-TF-003",
        "too few runs",
        _replace(f"{_TESTS}/cmek-policy.tftest.hcl", 'run "', 'dummy "', 6),
    ),
    (
        "CMEK-TF-004",
        "output missing",
        _replace(f"{EXISTING}/outputs.tf", 'output "key_arns"', 'output "keys"'),
    ),
    (
        "CMEK-TF-004",
        "variable untyped",
        _replace(f"{NEW}/variables.tf", "  type        = bool\n", ""),
    ),
    (
        "CMEK-TF-004",
        "policy grows a provider",
        _replace(f"{POLICY}/main.tf", "locals {", 'provider "aws" {}\n\nlocals {'),
    ),
    ("CMEK-TF-004", "file missing", _delete(f"{EXAMPLE}/terraform.tfvars.example")),
    (
        "CMEK-TF-005",
        "wildcard resource",
        _replace(f"{POLICY}/main.tf", "Resource = var.kms_key_arns", 'Resource = ["*"]'),
    ),
    (
        "CMEK-TF-005",
        "extra action",
        _replace(f"{POLICY}/main.tf", _ACTION, _ACTION + '    "kms:ReEncrypt*",\n'),
    ),
    (
        "CMEK-TF-005",
        "wrong Sid",
        _replace(f"{POLICY}/main.tf", f'"{model.TRUST_POLICY_SID}"', '"Trust"'),
    ),
    (
        "CMEK-TF-006",
        "unpinned provider",
        _replace(f"{NEW}/versions.tf", f'"{model.AWS_PROVIDER_VERSION}"', '">= 0"'),
    ),
    (
        "CMEK-TF-006",
        "no required_version",
        _replace(f"{EXAMPLE}/versions.tf", "required_version", "# required_version"),
    ),
    (
        "CMEK-TF-007",
        "rotation off",
        _replace(
            f"{NEW}/main.tf", "enable_key_rotation      = true", "enable_key_rotation      = false"
        ),
    ),
    (
        "CMEK-TF-007",
        "destroyable",
        _replace(f"{NEW}/main.tf", "prevent_destroy = true", "prevent_destroy = false"),
    ),
    (
        "CMEK-TF-007",
        "short default window",
        _replace(
            f"{NEW}/variables.tf",
            f"default     = {model.PENDING_WINDOW_DAYS}\n",
            "default     = 7\n",
        ),
    ),
    (
        "CMEK-TF-008",
        "own policy",
        _replace(
            f"{NEW}/main.tf", "= module.policy.key_policy_json", "= jsonencode({ Statement = [] })"
        ),
    ),
    (
        "CMEK-TF-008",
        "account from a variable",
        _replace(
            f"{EXISTING}/main.tf",
            "= data.aws_caller_identity.current.account_id",
            '= "111122223333"',
        ),
    ),
    (
        "CMEK-TF-009",
        "row missing",
        _replace(f"{NEW}/README.md", "| `multi_region` |", "| multi_region |"),
    ),
]


@pytest.mark.parametrize(
    ("check_id", "mutate"),
    [(c, m) for c, _, m in BREAKAGES],
    ids=[f"{c}-{d}" for c, d, _ in BREAKAGES],
)
def test_each_check_fires_on_its_defect(
    built: Path, tmp_path: Path, check_id: str, mutate: Callable[[Path], None]
) -> None:
    root = tmp_path / "dist"
    shutil.copytree(built, root)
    mutate(root)
    findings = run(root, [check_id])
    assert findings and all(f.check_id == check_id for f in findings)


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
    assert tf_checks.literal(raw) == value
