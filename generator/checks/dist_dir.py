"""A built dist directory as the checks read it: files, parsed templates, links and manifest.

Reading is lazy and cached, so each artifact is read and parsed once however many checks use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from generator import model
from generator.config import Config


@dataclass
class DistDir:
    """A built dist directory and the expectations (from the config) to judge it against."""

    root: Path
    config: Config = field(default_factory=Config)

    def read(self, relpath: str) -> str:
        try:
            return (self.root / relpath).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ArtifactError(relpath, f"is not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:
            raise ArtifactError(relpath, f"cannot be read: {exc.strerror}") from None

    def exists(self, relpath: str) -> bool:
        return (self.root / relpath).is_file()

    @cached_property
    def templates(self) -> dict[model.Stack, dict[str, Any]]:
        """Every stack template that exists and parses (cfn-lint's decoder reads short-form tags).

        A template that does not parse is left out here and reported by `parse_errors`.
        """
        return {stack: t for stack, t in self._parsed.items() if isinstance(t, dict)}

    @property
    def parse_errors(self) -> dict[model.Stack, str]:
        return {stack: t for stack, t in self._parsed.items() if isinstance(t, str)}

    @cached_property
    def _parsed(self) -> dict[model.Stack, dict[str, Any] | str]:
        from cfnlint.decode.cfn_yaml import loads

        parsed: dict[model.Stack, dict[str, Any] | str] = {}
        for stack in model.STACKS:
            if not self.exists(stack.path):
                continue
            try:
                template = loads(self.read(stack.path), stack.path)
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

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return self._json_object(model.MANIFEST_FILE, "files")

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


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
