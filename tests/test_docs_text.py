"""The instructions say what ClickHouse states today (issue 15), in the README, the build's README
and the launch page: where the role is shown (per service), where the key goes, TDE for good,
restart after access returns, keep old keys for the backups, v1's end, and the new flag names.
Facts and wording: tests/vendor/terraform-provider-clickhouse/README.md, held in cmek.model."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import pytest
from cmek import model

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("README.md", "dist/README.md", f"dist/{model.PAGE_FILE}")
# What the docs said before ClickHouse's own wording was followed: each is now wrong.
STALE = (
    "different per region",
    "move the service to v2",
    "until the service has restarted",
    "until the restart is done",
    "service settings, Transparent Data Encryption",
    "--profile v1",
    "--profile v2",
    "--profile P ",
)


def text_of(relpath: str) -> str:
    """The file as a reader sees it: entities decoded, line wraps as spaces."""
    return " ".join(html.unescape((ROOT / relpath).read_text(encoding="utf-8")).split())


@pytest.mark.parametrize("relpath", DOCS)
def test_where_the_role_is_shown_and_nothing_stale(relpath: str) -> None:
    text = text_of(relpath)
    assert model.ENCRYPTION_ROLE_WHERE in text
    for stale in STALE:
        assert stale not in text, stale


@pytest.mark.parametrize("relpath", DOCS[:2])
def test_the_readmes_state_clickhouse_today(relpath: str) -> None:
    text = text_of(relpath)
    for fact in (
        model.KEY_CONSOLE_SECTION,
        "can never be turned off",
        "one per service",
        "restart the service",
        "as long as you keep backups made with it",
        f"ended on {model.CMEK_V1_END_DATE}",
        "ClickHouse-managed key",
        "--cmek-version v1 --key-arn KEY_ARN",
        "cmek audit",
        "delete is a no-op",
        "imports by the service id",
        "not ClickHouse's own check",
    ):
        assert fact in text, fact


def test_the_page_puts_v2_first_and_labels_v1_legacy_with_its_end() -> None:
    text = text_of(f"dist/{model.PAGE_FILE}")
    assert text.index('id="v2"') < text.index('id="v1"')
    assert f"legacy, ended {model.CMEK_V1_END_DATE}" in text
    assert "cmek grant --cmek-version v2 --principal" in text


def test_verify_key_help_says_what_it_checks_and_what_it_is_not() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cmek", "--help"], capture_output=True, text=True, timeout=60
    )
    assert "not ClickHouse's own check" in " ".join(result.stdout.split())
