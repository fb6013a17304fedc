"""Golden files pin the rendering of a non-default config, as troposphere pins its examples.

dist/ pins the default config (tests/test_build.py); this pins what a config file changes:
principal, template location (a bucket without dots: virtual-hosted URLs) and regions.
Regenerate after an intended change: CMEK_REGENERATE_GOLDEN=1 pytest tests/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cmek import build, config

GOLDEN = Path(__file__).resolve().parent / "golden" / "custom"
CUSTOM = config.from_mapping(
    {
        "principal": "arn:aws:iam::123456789012:role/staging-kms-request-role",
        "template_url_base": "https://cmek-templates.s3.eu-west-1.amazonaws.com/v1/",
        "regions": ["eu-west-1", "us-east-1"],
    }
)
PINNED_PREFIXES = ("cloudformation/", "snippets/", "links.json")


def _rendered() -> dict[str, str]:
    files = build.artifacts(CUSTOM)
    return {p: text for p, text in files.items() if p.startswith(PINNED_PREFIXES)}


def test_golden_files_match() -> None:
    rendered = _rendered()
    if os.environ.get("CMEK_REGENERATE_GOLDEN"):
        for relpath, text in rendered.items():
            (GOLDEN / relpath).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / relpath).write_text(text)
    golden = {
        p.relative_to(GOLDEN).as_posix(): p.read_text() for p in GOLDEN.rglob("*") if p.is_file()
    }
    assert sorted(golden) == sorted(rendered)
    for relpath, text in rendered.items():
        assert text == golden[relpath], f"{relpath} differs from its golden file"


@pytest.mark.parametrize(
    "relpath", ["cloudformation/cmek.yaml", "snippets/key-policy-statement.json"]
)
def test_golden_carries_the_custom_principal(relpath: str) -> None:
    assert "staging-kms-request-role" in (GOLDEN / relpath).read_text()
