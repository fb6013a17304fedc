"""Reading dist/terraform as the Terraform checks see it: every HCL file parsed by python-hcl2,
blocks by kind and label, and the literal values python-hcl2 returns quoted."""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmek import model, reading
from cmek.checks import DistDir

HCL_SUFFIXES = (".tf", ".tfvars", model.TF_TESTS_SUFFIX, ".tfvars.example")
_INTERPOLATION = re.compile(r"(?<!\$)\$\{")
# Where `parsed` keeps its result on a DistDir.
_PARSED = "_tf_files_parsed"


def fingerprint(directory: Path) -> str:
    """Digest of what a Terraform run sees under `directory`: runs are cached by content.

    Walked as DIR is (cmek/reading.py): no symbolic link followed, not even `directory`
    itself, and each regular file read within its cap, so no link can lead it outside DIR. Other
    entries (links, FIFOs, files over their cap: CMEK-DIST-001 findings) count by path, kind and
    size only; `terraform_runner.copy_of` does not copy links, FIFOs or devices either.
    """
    digest = hashlib.sha256()
    if directory.is_symlink() or not directory.is_dir():
        return digest.hexdigest()
    try:
        listing = reading.walk(directory, model.DIST_ENTRIES_MAX)
    except OSError as exc:
        digest.update(f"unlisted: {exc.strerror}".encode())
        return digest.hexdigest()
    for entry in listing.entries:
        digest.update(f"{entry.relpath}\0{entry.kind}\0{entry.size}\0".encode())
        if entry.kind == reading.FILE:
            digest.update(_content(directory / entry.relpath) + b"\0")
    if listing.truncated:
        digest.update(b"truncated")
    return digest.hexdigest()


def _content(path: Path) -> bytes:
    try:
        return reading.read_regular(path, reading.dist_cap(path.name), follow_symlinks=False)
    except reading.Unreadable as exc:
        return f"unread: {exc}".encode()


def hcl_files(root: Path) -> list[str]:
    base = root / model.TERRAFORM_DIR
    if not base.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in base.rglob("*")
        if p.is_file() and p.name.endswith(HCL_SUFFIXES)
    )


@functools.lru_cache(maxsize=256)
def parse(text: str) -> dict[str, Any] | str:
    """One file parsed by python-hcl2, or the parser's first error line (cached by content)."""
    import hcl2

    try:
        return hcl2.loads(text)
    # Lark raises several unrelated exception types on bad input; any of them means "no".
    except Exception as exc:
        return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def parsed(dist: DistDir) -> dict[str, dict[str, Any] | str]:
    """Every HCL file under terraform/, parsed (or the parser's first error line); read only.

    Listed, read and looked up once per `dist`, kept on it as its own cached properties are
    (`DistDir.files`): some forty checks ask for it in one run.
    """
    kept = dist.__dict__.get(_PARSED)
    if kept is None:
        files = hcl_files(dist.root)
        kept = dist.__dict__[_PARSED] = {relpath: parse(dist.read(relpath)) for relpath in files}
    return kept


def unlabel(
    node: dict[str, Any], labels: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict]]:
    """`(labels, body)` of the block python-hcl2 nests under its labels (none if not a block)."""
    if node.get("__is_block__"):
        yield labels, node
        return
    for label, inner in node.items():
        if isinstance(inner, dict):
            yield from unlabel(inner, (*labels, _unquote(label)))


def blocks(doc: dict[str, Any], kind: str) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """`(labels, body)` of each `kind` block in a python-hcl2 document."""
    for entry in doc.get(kind, []):
        yield from unlabel(entry, ())


def _unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


def literal(value: Any) -> Any:
    """The value of an HCL string literal as python-hcl2 returns it (quoted, escapes kept).

    An expression or a template with interpolation gives None; other types pass through.
    """
    if not isinstance(value, str):
        return value
    if not (len(value) >= 2 and value[0] == value[-1] == '"') or _INTERPOLATION.search(value):
        return None
    try:
        text = json.loads(value)
    except json.JSONDecodeError:
        return None
    return text.replace("$${", "${").replace("%%{", "%{")


def expression(value: Any) -> str | None:
    """The text of an expression python-hcl2 wrapped as `${...}`; None for anything else."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return None


@dataclass(frozen=True)
class Directory:
    """The parsed .tf files of one module or example directory (tests excluded)."""

    path: str
    docs: dict[str, dict[str, Any]]

    def blocks(self, kind: str) -> Iterator[tuple[str, tuple[str, ...], dict[str, Any]]]:
        for relpath, doc in self.docs.items():
            for labels, body in blocks(doc, kind):
                yield relpath, labels, body

    def named(self, kind: str) -> dict[str, tuple[str, dict[str, Any]]]:
        return {labels[0]: (relpath, body) for relpath, labels, body in self.blocks(kind) if labels}


def directory(dist: DistDir, path: str) -> Directory:
    docs = {
        relpath: doc
        for relpath, doc in parsed(dist).items()
        if posixpath.dirname(relpath) == path and relpath.endswith(".tf") and isinstance(doc, dict)
    }
    return Directory(path, docs)
