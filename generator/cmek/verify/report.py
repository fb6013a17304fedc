"""How `verify-key` speaks: the verdict as text or JSON, and the watch loop that repeats it and
prints a line only when the verdict changes (as ClickHouse re-checks a key every 10 minutes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from cmek.errors import ToolError
from cmek.verify.evaluate import FAIL, UNCHECKED, WARN, Report


def verdict_line(report: Report) -> str:
    request = report.request
    subject = request.role_arn or request.principal
    failed = sum(1 for c in report.checks if c.status == FAIL)
    counts = f"{failed} of {len(report.checks)} checks failed" if failed else "all checks passed"
    return (
        f"{report.verdict}: {report.key_arn} for {subject} "
        f"(profile {request.profile.name}; {counts})"
    )


def render_text(report: Report) -> str:
    """The verdict line, one line per check, then what to change (each fix once)."""
    width = max(len(c.id) for c in report.checks)
    lines = [verdict_line(report)]
    lines += [f"  {c.status:<4}  {c.id:<{width}}  {c.summary}" for c in report.checks]
    fixes = [
        fix for status in (FAIL, WARN) for c in report.checks if c.status == status for fix in c.fix
    ]
    if fixes:
        lines += ["", "What to change:"]
        for fix in dict.fromkeys(fixes):
            first, *rest = fix.splitlines()
            lines += [f"- {first}", *(f"  {line}" for line in rest)]
    return "\n".join(lines) + "\n"


def to_dict(report: Report) -> dict[str, Any]:
    request = report.request
    return {
        "verdict": report.verdict,
        "valid": report.valid,
        "key_arn": request.key.arn,
        "resolved_key_arn": report.key_arn,
        "region": request.region,
        "profile": request.profile.name,
        "principal": request.principal,
        "role_arn": request.role_arn,
        "checks": [asdict(check) for check in report.checks],
    }


# --- Watching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    state: str
    reasons: tuple[str, ...]


def observe(verify_once: Callable[[], Report]) -> Observation:
    """One verdict for a watch: a check that could not run is a state of its own, not an exit."""
    try:
        report = verify_once()
    except ToolError as exc:
        return Observation(UNCHECKED, (str(exc),))
    return Observation(report.verdict, report.reasons)


def watch(
    check_once: Callable[[], Observation],
    interval: float,
    emit: Callable[[datetime, Observation, Observation | None], None],
    sleep: Callable[[float], None],
    now: Callable[[], datetime],
    max_checks: int | None = None,
) -> None:
    """Check, then again every `interval` seconds, calling `emit` for the first verdict and each
    change. Runs until interrupted; `max_checks` bounds it (tests)."""
    previous: Observation | None = None
    count = 0
    while True:
        current = check_once()
        count += 1
        if previous is None or current.state != previous.state:
            emit(now(), current, previous)
        previous = current
        if max_checks is not None and count >= max_checks:
            return
        sleep(interval)


def watch_line(at: datetime, current: Observation, previous: Observation | None) -> str:
    was = f"was {previous.state}" if previous else "first check"
    why = f": {'; '.join(current.reasons)}" if current.reasons else ""
    return f"{at:%Y-%m-%dT%H:%M:%SZ} {current.state} ({was}){why}"


def watch_record(at: datetime, current: Observation, previous: Observation | None) -> str:
    return json.dumps(
        {
            "time": f"{at:%Y-%m-%dT%H:%M:%SZ}",
            "verdict": current.state,
            "was": previous.state if previous else None,
            "reasons": list(current.reasons),
        }
    )
