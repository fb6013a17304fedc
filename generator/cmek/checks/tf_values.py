"""Every value a Terraform file carries is the build's: module arguments, variable defaults, the
`terraform.tfvars.example` a user copies, every block (a second one with the same labels
included) and the native tests' runs, assertions and expected failures.

The inventory (CMEK-INV-002) lists blocks and argument names; an attacker who keeps the names and
changes a value (a hard-coded foreign role as ClickHouse's, a foreign key administrator, an
assertion made `true`) passes it. Here each file, parsed as the user receives it, is compared with
the same file rendered fresh from the model: one finding per top-level block or attribute that
differs, naming the first differing path.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Iterator
from typing import Any

from cmek.checks import DistDir, Problems, check, sources, tf_files

_SHOWN = 100


def _entries(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    """A parsed file's top-level entries as (name, value): each block under its kind and labels
    (`provider aws`, `run "name"` as `run name`), each attribute (tfvars) under its name, the
    comments (the commented-out lines a user uncomments) under `comments`."""
    entries: list[tuple[str, Any]] = []
    for key, value in doc.items():
        if key.startswith("__"):
            entries.append((key.strip("_"), value))
        elif isinstance(value, list) and value and all(_is_block(item) for item in value):
            for item in value:
                entries.extend(
                    (" ".join((key, *labels)), body) for labels, body in tf_files.unlabel(item)
                )
        else:
            entries.append((key, value))
    return entries


def _is_block(item: Any) -> bool:
    return isinstance(item, dict) and any(True for _ in tf_files.unlabel(item))


def _shown(value: Any, start: int = 0) -> str:
    """`value` for a message: a long string from a little before where it differs."""
    if isinstance(value, str) and start:
        value = f"...{value[start:]}"
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}..."


def _leaf(where: str, got: Any, want: Any) -> str:
    start = 0
    if isinstance(got, str) and isinstance(want, str):
        start = max(0, len(posixpath.commonprefix([got, want])) - _SHOWN // 4)
    return f"{where} is {_shown(got, start)}, the build writes {_shown(want, start)}"


def first_difference(got: Any, want: Any, path: str) -> str | None:
    """Where `got` first differs from `want` (mappings by key, lists by index), or None; `path`
    names where both are (`module cmek.`)."""
    if isinstance(got, dict) and isinstance(want, dict):
        for key in [*want, *(k for k in got if k not in want)]:
            if key not in got:
                return f"{path}{key} of the build is missing"
            if key not in want:
                return f"{path}{key} is not in the build"
            found = first_difference(got[key], want[key], f"{path}{key}.")
            if found:
                return found
        return None
    where = path.rstrip(".")
    if isinstance(got, list) and isinstance(want, list):
        for index, (a, b) in enumerate(zip(got, want, strict=False)):
            found = first_difference(a, b, f"{where}[{index}].")
            if found:
                return found
        if len(got) != len(want):
            return f"{where} has {len(got)} items, the build's has {len(want)}"
        return None
    if got != want:
        return _leaf(where, got, want)
    return None


def file_problems(got: dict[str, Any], want: dict[str, Any]) -> Iterator[str]:
    """One problem per top-level entry that is added, missing, repeated or different."""
    got_entries, want_entries = _entries(got), _entries(want)
    got_count = Counter(name for name, _ in got_entries)
    want_count = Counter(name for name, _ in want_entries)
    for name in sorted(set(want_count) - set(got_count)):
        yield f"{name} of the build is missing"
    for name in got_count:
        if name not in want_count:
            yield f"{name} is not in the build"
        elif got_count[name] != want_count[name]:
            yield f"{name} appears {got_count[name]} times, the build writes it {want_count[name]}"
        else:
            pairs = zip(
                (v for n, v in got_entries if n == name),
                (v for n, v in want_entries if n == name),
                strict=True,
            )
            found = next(filter(None, (first_difference(a, b, f"{name}.") for a, b in pairs)), None)
            if found:
                yield found


@check(
    "CMEK-INV-003",
    "Every Terraform file the build writes (.tf, .tfvars example, .tftest.hcl) holds exactly the "
    "build's values: each block once, every argument, variable default, tfvars value, test run, "
    "assertion and expected failure as a fresh render from the model writes it.",
    sources.TF_SYNTAX,
)
def values(dist: DistDir) -> Problems:
    expected = dist.expected_artifacts
    for relpath, doc in tf_files.parsed(dist).items():
        if relpath not in expected or not isinstance(doc, dict):
            continue  # an added file is CMEK-DIST-001's, a file that does not parse CMEK-TF-001's
        want = tf_files.parse(expected[relpath])
        if not isinstance(want, dict):
            yield relpath, f"the build's own rendering does not parse: {want}"
            continue
        for problem in file_problems(doc, want):
            yield relpath, problem
