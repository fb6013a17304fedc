"""Each check passes on a good build and fires on a bad fixture: the build with one defect.

A bad fixture is written as an edit of the rendered file (text replaced as a user or a broken
renderer would leave it), so the checks are proven to judge artifacts, not the model.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import model
from generator.checks import Dist, load_all, run_all
from generator.config import Config

EXISTING = model.STACK_EXISTING_KEY.path
NEW = model.STACK_NEW_KEY.path
COMBINED = model.STACK_COMBINED.path


def replace(path: str, old: str, new: str, count: int = -1) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        target = root / path
        text = target.read_text()
        assert old in text, f"fixture is stale: {old!r} not in {path}"
        target.write_text(text.replace(old, new, count))

    return edit


def edit_links(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        target = root / model.LINKS_FILE
        data = json.loads(target.read_text())
        change(data)
        target.write_text(json.dumps(data))

    return edit


def _drop_region_links(data: dict) -> None:
    data["links"] = [x for x in data["links"] if x["region"] != "eu-west-1"]


def _bad_link_param(data: dict) -> None:
    data["links"][0]["url"] += "&param_KMSKeyArns=alias/not-a-key"


def _unknown_link_param(data: dict) -> None:
    data["links"][0]["url"] += "&param_KmsKeyArns=x"


def _foreign_template_url(data: dict) -> None:
    link = data["links"][0]
    link["url"] = link["url"].replace("clickhouse-public-resources", "someone-else")


# check id -> bad fixtures (each an edit of a good build that the check must report)
BAD_FIXTURES: dict[str, list[Callable[[Path], None]]] = {
    "CMEK-DIST-001": [lambda root: (root / model.SNIPPET_FILE).unlink()],
    "CMEK-DIST-002": [
        lambda root: (root / "extra.txt").write_text("stray"),
        replace(model.DOCS_FILE, "do not edit", "edited"),
    ],
    "CMEK-DIST-003": [
        replace(NEW, "Resources:\n", "Resources: [\n"),
        lambda root: (root / COMBINED).write_text("[1]\n"),
    ],
    "CMEK-LINT-001": [
        replace(NEW, "PendingWindowInDays: 30", "PendingWindowInDays: 3"),
        replace(EXISTING, "kms:Decrypt", "kms:ReEncrypt"),
    ],
    "CMEK-CFN-001": [
        replace(
            COMBINED, "Default: arn:aws:iam::576599896960", "Default: arn:aws:iam::576599896961"
        ),
        replace(NEW, "AWS: !Ref 'ClickHouseRole'", "AWS: arn:aws:iam::576599896960:root"),
    ],
    "CMEK-CFN-002": [
        replace(EXISTING, "                  - kms:GetPublicKey\n", "", 1),
        replace(NEW, "kms:GenerateDataKeyPair", "kms:GenerateDataKey*"),
        replace(COMBINED, "kms:DescribeKey", "kms:DescribeKeys"),
    ],
    "CMEK-CFN-003": [
        replace(EXISTING, "Resource: !Ref 'KMSKeyArns'", "Resource: '*'"),
        replace(COMBINED, "Resource: !Ref 'KMSKeyArns'", "Resource: !Select [0, !Ref KMSKeyArns]"),
    ],
    "CMEK-CFN-004": [
        replace(COMBINED, "    Condition: CreateRole\n    Value: !GetAtt", "    Value: !GetAtt"),
        replace(NEW, "  KeyArn:\n", "  KeyARN:\n"),
        replace(EXISTING, "      - 0\n", "      - 1\n"),
    ],
    "CMEK-CFN-005": [
        replace(NEW, "EnableKeyRotation: true", "EnableKeyRotation: false"),
        replace(COMBINED, "DeletionPolicy: Retain", "DeletionPolicy: Delete"),
        replace(NEW, "- kms:*\n", "- kms:Describe*\n"),
    ],
    "CMEK-CFN-006": [
        replace(EXISTING, "sts:ExternalId: !Ref 'ExternalId'", "sts:ExternalId: fixed"),
        replace(COMBINED, "- HasExternalId\n", "- CreateRole\n"),
    ],
    "CMEK-CFN-007": [
        replace(NEW, "arn:${AWS::Partition}:iam::", "arn:aws:iam::"),
    ],
    "CMEK-CFN-008": [
        replace(EXISTING, "Description: ARNs", "Description: " + "x" * 51_200 + " ARNs"),
    ],
    "CMEK-CFN-009": [
        replace(
            COMBINED,
            "- !Ref 'KMSCreate'\n      - 'false'",
            "- !Ref 'KMSCreate'\n      - 'never'",
            1,
        ),
    ],
    "CMEK-CFN-010": [
        replace(EXISTING, "Sid: AllowClickHouseAccess", "Sid: Allow ClickHouse Access"),
        replace(EXISTING, "- ClickHouseCMEK-\n", "- ClickHouseCustomerManagedEncryptionKey-\n"),
    ],
    "CMEK-LINK-001": [edit_links(_foreign_template_url)],
    "CMEK-LINK-002": [edit_links(_bad_link_param), edit_links(_unknown_link_param)],
    "CMEK-LINK-003": [edit_links(_drop_region_links)],
}

CASES = [
    pytest.param(check_id, edit, id=f"{check_id}-{n}")
    for check_id, edits in BAD_FIXTURES.items()
    for n, edit in enumerate(edits)
]


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "dist"
    shutil.copytree(built, target)
    return target


def test_good_build_has_no_findings(built: Path, default_config: Config) -> None:
    assert run_all(Dist(built, default_config)) == []


def test_every_cloudformation_check_has_a_bad_fixture() -> None:
    ids = {i for i in load_all() if not i.startswith("CMEK-TF-")}
    assert ids <= set(BAD_FIXTURES), sorted(ids - set(BAD_FIXTURES))


def test_checks_are_documented() -> None:
    for check in load_all().values():
        assert check.description.endswith("."), check.id
        assert check.doc.startswith("https://"), check.id


@pytest.mark.parametrize(("check_id", "edit"), CASES)
def test_bad_fixture_is_reported(check_id: str, edit: Callable, copy: Path) -> None:
    edit(copy)
    findings = run_all(Dist(copy, Config()), only=[check_id])
    assert findings, f"{check_id} missed the defect"
    assert {f.check_id for f in findings} == {check_id}


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
def test_damaged_artifacts_are_findings_not_crashes(damage: Callable, copy: Path) -> None:
    damage(copy)
    findings = run_all(Dist(copy, Config()))
    assert findings
    assert all(isinstance(f.message, str) and f.message for f in findings)
