"""A built dist directory as the checks read it: files, parsed templates and links.

Reading is lazy and cached, so each artifact is read and parsed once however many checks use it.
Only regular files found by a walk that follows no symbolic link are read, each up to its size cap
(cmek/reading.py): a FIFO, a device, a link out of DIR or a huge file is a finding of
CMEK-DIST-001, never a hang or a MemoryError.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cmek import model, reading
from cmek.config import Config


@dataclass
class DistDir:
    """A built dist directory and the expectations (from the config) to judge it against."""

    root: Path
    config: Config = field(default_factory=Config)
    # Where the parsed templates come from instead of parsing here: `cmek check`'s second
    # process receives them from the first, which parses them for cfn-lint anyway (None: they
    # could not be sent, parse them here).
    templates_from: Callable[[], dict[model.Stack, dict[str, Any] | str] | None] | None = field(
        default=None, repr=False, compare=False
    )

    def read(self, relpath: str) -> str:
        try:
            return self.read_bytes(relpath).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ArtifactError(relpath, f"is not UTF-8 text (byte {exc.start})") from None

    def read_bytes(self, relpath: str) -> bytes:
        """The file's bytes, if the walk found it as a regular file within its cap."""
        if relpath not in self.files:
            raise ArtifactError(relpath, "cannot be read: not a regular file in DIR")
        try:
            return reading.read_regular(self.root / relpath, reading.dist_cap(relpath), False)
        except reading.Unreadable as exc:
            raise ArtifactError(relpath, str(exc)) from None

    def exists(self, relpath: str) -> bool:
        return relpath in self.files

    @cached_property
    def listing(self) -> reading.Listing:
        """Every entry under DIR (no symbolic link followed), at most model.DIST_ENTRIES_MAX."""
        try:
            return reading.walk(self.root, model.DIST_ENTRIES_MAX)
        except OSError:
            return reading.Listing((), True)

    @cached_property
    def files(self) -> dict[str, reading.Entry]:
        """The regular files under DIR that are within their size cap, by relative path."""
        return {
            e.relpath: e
            for e in self.listing.entries
            if e.kind == reading.FILE and e.size <= reading.dist_cap(e.relpath)
        }

    @cached_property
    def expected_files(self) -> frozenset[str]:
        """The paths a build with this config writes (whatever manifest.json lists)."""
        return frozenset(self.expected_artifacts)

    @cached_property
    def expected_artifacts(self) -> dict[str, str]:
        """What a build with this config (and the customer inputs links.json shows) writes, by
        path: the model's own rendering, which the deny-by-default checks compare parts of the
        dist with (links, page scripts). One rendering, shared with docs_links (cached there)."""
        from cmek.checks.docs_links import expected_artifacts

        return expected_artifacts(self)

    def unsafe(self) -> list[tuple[str, str]]:
        """(path, why) of every entry a build never writes and a check must not read: symbolic
        links, FIFOs, devices, sockets, files over their cap, and a walk cut short."""
        found = [(e.relpath, why) for e in self.listing.entries if (why := self._problem(e))]
        if self.listing.truncated:
            limit = model.DIST_ENTRIES_MAX
            found.append((".", f"cannot be listed whole (unreadable, or over {limit} entries)"))
        return found

    def _problem(self, entry: reading.Entry) -> str | None:
        if entry.kind == reading.SYMLINK:
            where = "inside" if reading.inside(self.root, entry.relpath) else "outside"
            return f"is a symbolic link to {where} DIR; a build writes none"
        if entry.kind not in (reading.FILE, reading.DIRECTORY):
            return f"is a {entry.kind}; a build writes regular files only"
        if entry.kind == reading.FILE and entry.relpath not in self.files:
            return f"is {entry.size} bytes, over the {reading.dist_cap(entry.relpath)}-byte cap"
        return None

    @cached_property
    def templates(self) -> dict[model.Stack, dict[str, Any]]:
        """Every stack template that exists and parses (cfn-lint's decoder reads short-form tags).

        A template that does not parse is left out here and reported by `parse_errors`.
        """
        return {stack: t for stack, t in self._parsed.items() if isinstance(t, dict)}

    @property
    def parse_errors(self) -> dict[model.Stack, str]:
        return {stack: t for stack, t in self._parsed.items() if isinstance(t, str)}

    def parsed_plain(self) -> dict[model.Stack, dict[str, Any] | str]:
        """The parsed templates (or why each does not parse) as plain dicts, lists and strings:
        cfn-lint's nodes (which carry line marks) cannot be pickled to another process."""
        return {stack: _plain(t) for stack, t in self._parsed.items()}

    @cached_property
    def _parsed(self) -> dict[model.Stack, dict[str, Any] | str]:
        received = self.templates_from() if self.templates_from is not None else None
        if received is not None:
            return received
        from cfnlint.decode.cfn_yaml import loads

        parsed: dict[model.Stack, dict[str, Any] | str] = {}
        for stack in model.STACKS:
            if not self.exists(stack.path):
                continue
            try:
                text = self.read(stack.path)
            except ArtifactError as exc:  # unreadable (permissions, not UTF-8): one finding
                parsed[stack] = str(exc)
                continue
            try:
                template = loads(text, stack.path)
            except Exception as exc:  # any parser failure is a finding, not a crash
                parsed[stack] = f"does not parse: {first_line(exc)}"
                continue
            if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
                parsed[stack] = "is not a CloudFormation template (no Resources mapping)"
            else:
                parsed[stack] = template
        return parsed

    @cached_property
    def links(self) -> dict[str, Any]:
        return self._json_object(model.LINKS_FILE, "links")

    def _json_object(self, relpath: str, list_key: str) -> dict[str, Any]:
        try:
            data = json.loads(self.read(relpath))
        except (OSError, ValueError) as exc:
            raise ArtifactError(relpath, f"cannot be read as JSON: {first_line(exc)}") from None
        if not isinstance(data, dict) or not isinstance(data.get(list_key), list):
            raise ArtifactError(relpath, f"expected a JSON object with a {list_key!r} list")
        return data


class ArtifactError(ValueError):
    """An artifact is too damaged for a check to judge it; reported as that check's finding."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def _plain(value: Any) -> Any:
    """`value` with cfn-lint's dict, list and str nodes turned into the built-in types (YAML's
    `!!set`, `!!omap` and `!!pairs` give sets and tuples that hold such nodes too)."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    for kind in _COLLECTIONS:
        if isinstance(value, kind):
            return kind(_plain(item) for item in value)
    return str(value) if isinstance(value, str) else value


_COLLECTIONS = (list, tuple, set, frozenset)


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
