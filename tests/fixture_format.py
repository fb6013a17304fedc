"""The one fixture format of tests/check_fixtures/<CHECK-ID>/*.yaml and tests/tamper/*.yaml.

A fixture is a YAML mapping with three keys, in this order:

- `description`: what the edit is, in one line.
- `edits`: a list applied in order to a copy of a fresh build, each naming its `file` (a path in
  the dist directory) and one operation:
  - `replace` / `with`: literal text, `count` times (default all); it must match.
  - `regex` / `with`: Python `re.sub`, `count` times (default all); it must match.
    In `with` of either, `{pad}` stands for `pad` x characters (none without `pad`).
  - `json_set` (a path of keys and indexes) / `value`; `json_append` (a path to a list) / `value`.
  - `yaml_set` / `yaml_append`: the same on a CloudFormation template, read with its short-form
    tags by cfn-lint and written back as YAML in long form (which CloudFormation reads alike).
  - `write`: the whole file as text (a new file, and its folders, are created);
    `write_bytes`: the whole file as YAML `!!binary` (bytes that are not UTF-8);
    `append`: text added at the end; `delete: true`: the file or folder is removed.
  Every `replace` and `regex` must match, so a fixture cannot go stale silently.
- `expect`: every finding `cmek check` must report, pinned whole as cfn-lint pins its snapshot
  results: `id`, `file` (the path the finding names), `line` (only when the finding has one),
  `message` and `scenarios` (only when it names some), exactly as `cmek check --format json`
  prints them. The list is sorted by (id, file, line, message, scenarios) and compared whole, so a
  check that reports the right id for the wrong reason, or at the wrong place, fails.

Volatile values: one rule, in `pinned`. A message that names the absolute path of the copy under
test (pytest's per-test temporary directory) has it written as `<dist>`; nothing else is rewritten.

Snapshot update: with `CMEK_UPDATE_FIXTURES=1` in the environment, `check` rewrites a fixture's
`expect:` block from the real findings (the `description` and `edits` text is kept byte for byte)
instead of comparing; review the diff before committing it. A normal run never writes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from cmek.checks.registry import Finding

UPDATE_VARIABLE = "CMEK_UPDATE_FIXTURES"
DIST_PLACEHOLDER = "<dist>"
_EXPECT = re.compile(r"^expect:", re.MULTILINE)


def load(path: Path) -> dict[str, Any]:
    """A fixture, read; its keys are the three the format has, in their order."""
    fixture = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert list(fixture) == ["description", "edits", "expect"], f"{path}: keys {list(fixture)}"
    return fixture


def apply_all(root: Path, edits: list[dict[str, Any]]) -> None:
    """Apply a fixture's `edits` in order to the dist directory at `root`."""
    for edit in edits:
        apply(root, edit)


def apply(root: Path, edit: dict[str, Any]) -> None:
    """Apply one edit (see the module docstring) to the dist directory at `root`."""
    target = root / edit["file"]
    if edit.get("delete"):
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    elif "write_bytes" in edit:
        target.write_bytes(edit["write_bytes"])
    elif "write" in edit:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(edit["write"], encoding="utf-8")
    else:
        text = target.read_text(encoding="utf-8")
        target.write_text(_edited(text, edit), encoding="utf-8")


def _edited(text: str, edit: dict[str, Any]) -> str:
    """The text of `edit["file"]` after a text, JSON or template edit."""
    if "append" in edit:
        return text + edit["append"]
    if "replace" in edit or "regex" in edit:
        new = edit["with"].replace("{pad}", "x" * edit.get("pad", 0))
        if "replace" in edit:
            assert edit["replace"] in text, f"stale: {edit['replace']!r} not in {edit['file']}"
            return text.replace(edit["replace"], new, edit.get("count", -1))
        changed, n = re.subn(edit["regex"], new, text, count=edit.get("count", 0))
        assert n, f"stale: {edit['regex']!r} matches nothing in {edit['file']}"
        return changed
    if "json_set" in edit or "json_append" in edit:
        return json.dumps(_edit_data(json.loads(text), edit), indent=2) + "\n"
    if "yaml_set" in edit or "yaml_append" in edit:
        data = _edit_data(_template(text, edit["file"]), edit)
        return yaml.safe_dump(data, sort_keys=False, width=1000)
    raise AssertionError(f"unknown edit: {edit}")


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


def pinned(findings: list[Finding], root: Path) -> list[dict[str, Any]]:
    """The `expect:` entries of `findings`, in their stable order, with the one volatile value
    (the copy's absolute path, see the module docstring) written as `<dist>`."""
    from cmek.checks.report import finding_json

    entries = []
    for finding in findings:
        data = finding_json(finding)
        message = str(data["message"]).replace(str(root), DIST_PLACEHOLDER)
        entry: dict[str, Any] = {"id": data["id"], "file": data["path"]}
        if data["line"] is not None:
            entry["line"] = data["line"]
        entry["message"] = message
        if data["scenarios"]:
            entry["scenarios"] = data["scenarios"]
        entries.append(entry)
    return sorted(entries, key=_order)


def _order(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (
        entry["id"],
        entry["file"],
        entry.get("line", 0),
        entry["message"],
        entry.get("scenarios", []),
    )


def check(path: Path, fixture: dict[str, Any], got: list[dict[str, Any]]) -> None:
    """Compare a fixture's `expect:` with the pinned findings `got`, whole; in update mode
    (`CMEK_UPDATE_FIXTURES=1`) rewrite the block from `got` instead."""
    if os.environ.get(UPDATE_VARIABLE) == "1":
        rewrite_expect(path, got)
        return
    assert got == fixture["expect"], "\n" + yaml.safe_dump(got, sort_keys=False, width=1000)


def rewrite_expect(path: Path, expect: list[dict[str, Any]]) -> None:
    """Replace the `expect:` block (the file's last key) with `expect`; the text before it is kept
    byte for byte."""
    text = path.read_text(encoding="utf-8")
    (match,) = list(_EXPECT.finditer(text))
    block = yaml.safe_dump(
        {"expect": expect}, sort_keys=False, width=float("inf"), allow_unicode=True
    )
    path.write_text(text[: match.start()] + block, encoding="utf-8")
