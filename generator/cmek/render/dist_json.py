"""The one JSON style of dist/ (a leaf module: renderers and the build both write with it)."""

from __future__ import annotations

import json


def to_json(data: object) -> str:
    """Sorted keys, two-space indent, UTF-8 as is, trailing newline: stable bytes, small diffs."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
