"""The tamper corpus: hostile edits to a fresh build, each caught with its exact findings.

tests/tamper/*.yaml each describe what an attacker who can edit a dist before it is published would
do to one or a few files, and the exact findings (`{id, file, count}`, nothing more) `cmek check`
must then report. Every edit is applied to a copy of a fresh build and manifest.json is REWRITTEN
to match (sha256 and size recomputed, added files listed): whoever edits the files edits the
manifest too, so no finding may come from the manifest.

Edits (`edits:`, applied in order, each naming its `file`):
- `replace` / `with` (literal text, `count` times, default all; it must match);
- `json_set` (a path of keys and indexes) / `value`, `json_append` (a path to a list) / `value`;
- `yaml_set` / `yaml_append`: the same on a CloudFormation template (read with its short-form
  tags, written back as YAML in long form, which CloudFormation reads alike);
- `write` (the whole file; a new file is an added file), `write_bytes` (the whole file as YAML
  `!!binary`, e.g. bytes that are not UTF-8), `append` (text added at the end).

Every check but cfn-lint (CMEK-LINT-001, judged by its own fixtures) runs, so the corpus stays
fast and a finding of any other check must be expected.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from cmek import model
from cmek.checks import INTERNAL_ID, DistDir, discover, run_all
from cmek.config import Config

CORPUS = Path(__file__).resolve().parent / "tamper"
SKIPPED = {"CMEK-LINT-001"}
CORPUS_MIN = 40


def _cases() -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in sorted(CORPUS.glob("*.yaml"))]


def _walk(data: Any, path: list[Any]) -> Any:
    for key in path:
        data = data[key]
    return data


def _edit_data(data: Any, edit: dict[str, Any]) -> Any:
    if "json_set" in edit or "yaml_set" in edit:
        *parent, last = edit.get("json_set", edit.get("yaml_set"))
        _walk(data, parent)[last] = edit["value"]
    else:
        target = _walk(data, edit.get("json_append", edit.get("yaml_append")))
        assert isinstance(target, list), f"not a list: {edit}"
        target.append(edit["value"])
    return data


def _template(text: str, relpath: str) -> Any:
    from cfnlint.decode.cfn_yaml import loads

    # cfn-lint's nodes are dict/str subclasses; a JSON round trip gives plain data.
    return json.loads(json.dumps(loads(text, relpath)))


def _apply(root: Path, edit: dict[str, Any]) -> None:
    target = root / edit["file"]
    if "write_bytes" in edit:  # bytes (YAML !!binary): a file that is not UTF-8
        target.write_bytes(edit["write_bytes"])
        return
    if "write" in edit:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(edit["write"], encoding="utf-8")
        return
    text = target.read_text(encoding="utf-8")
    if "append" in edit:
        text += edit["append"]
    elif "replace" in edit:
        assert edit["replace"] in text, f"stale: {edit['replace']!r} not in {edit['file']}"
        text = text.replace(edit["replace"], edit["with"], edit.get("count", -1))
    elif "json_set" in edit or "json_append" in edit:
        text = json.dumps(_edit_data(json.loads(text), edit), indent=2) + "\n"
    else:
        data = _edit_data(_template(text, edit["file"]), edit)
        text = yaml.safe_dump(data, sort_keys=False, width=1000)
    target.write_text(text, encoding="utf-8")


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
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    for edit in case["edits"]:
        _apply(copy, edit)
    rewrite_manifest(copy)
    findings = run_all(DistDir(copy, Config()), only=_checks())
    got = Counter((f.check_id, f.path) for f in findings)
    expected = Counter({(e["id"], e["file"]): e["count"] for e in case["expect"]})
    assert got == expected, [str(f) for f in findings]
    assert expected, "a tamper case must expect at least one finding"
    assert INTERNAL_ID not in {f.check_id for f in findings}


def test_corpus_is_large_enough_and_names_real_checks() -> None:
    cases = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.yaml"))]
    assert len(cases) >= CORPUS_MIN
    for case in cases:
        assert case["description"] and case["edits"]
        assert {e["id"] for e in case["expect"]} <= set(_checks())


def test_the_rewritten_manifest_of_an_untouched_build_passes(copy: Path) -> None:
    # The harness itself adds no finding: an untouched copy with its manifest rewritten is clean.
    rewrite_manifest(copy)
    assert run_all(DistDir(copy, Config()), only=_checks()) == []
