"""Regions where CloudFormation runs, read from botocore's endpoint data.

The JSON file is read directly instead of through `botocore.session`: importing the session costs
about 0.3 s, more than a whole build. tests/test_links_config.py proves the result equals
botocore's own `get_available_regions`.
"""

from __future__ import annotations

from functools import cache

from cmek.errors import ToolError


@cache
def _endpoints() -> dict:
    import importlib.util  # here, not at import: `cmek snippet` never reads the list
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        raise ToolError("botocore is not installed: reinstall cmek with its dependencies")
    return json.loads((Path(spec.origin).parent / "data" / "endpoints.json").read_text())


def cloudformation_regions(partition: str) -> tuple[str, ...]:
    """Sorted regions of `partition` that have a CloudFormation endpoint."""
    return service_regions("cloudformation", partition)


def service_regions(service: str, partition: str) -> tuple[str, ...]:
    """Sorted regions of `partition` where botocore's data lists an endpoint of `service`."""
    for part in _endpoints()["partitions"]:
        if part["partition"] == partition:
            endpoints = part["services"].get(service, {}).get("endpoints", {})
            return tuple(sorted(r for r in endpoints if r in part["regions"]))
    return ()


def partitions() -> tuple[str, ...]:
    return tuple(p["partition"] for p in _endpoints()["partitions"])


@cache
def partition_regions(partition: str) -> frozenset[str]:
    """Every region botocore's data lists in `partition` (empty for an unknown partition)."""
    for part in _endpoints()["partitions"]:
        if part["partition"] == partition:
            return frozenset(part["regions"])
    return frozenset()
