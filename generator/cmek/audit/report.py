"""`cmek audit` output: the report as text for people, JSON for scripts, CSV for spreadsheets.

Pure functions of `audit.Report`; every format carries the same accesses and findings.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Any

from cmek.audit import evaluate as audit

APPLY_NOTE = (
    f"Each cmek command above writes one key policy (saving the previous one first) and is safe "
    f"to run as printed, in order; without {audit.APPLY_FLAG} it only prints the change."
)
CSV_COLUMNS = (
    "record",
    "subject",
    "region",
    "aliases",
    "state",
    "principal",
    "profile",
    "via",
    "where",
    "actions",
    "extra",
    "missing",
    "verdict",
    "code",
    "message",
    "fix",
)


def summary(report: audit.Report) -> str:
    inventory = report.inventory
    keys = {a.key_arn for a in report.access}
    failed = sum(1 for u in inventory.unreadable if u.where in inventory.regions)
    return (
        f"{len(inventory.keys)} customer-managed key(s) in {len(inventory.regions) - failed} of "
        f"{len(inventory.regions)} region(s); ClickHouse can use {len(keys)} key(s) through "
        f"{len(report.access)} grant(s); {len(inventory.roles)} role(s) trust ClickHouse; "
        f"{len(report.findings)} finding(s)"
    )


def text(report: audit.Report) -> str:
    lines = [f"cmek audit: {summary(report)}"]
    current = ""
    if report.access:
        lines += ["", "ClickHouse access:"]
    for access in report.access:
        if access.key_arn != current:
            current = access.key_arn
            aliases = f" ({', '.join(access.aliases)})" if access.aliases else ""
            lines.append(f"  {access.key_arn}{aliases} [{access.state}]")
        where = ", ".join(repr(w) for w in access.where)
        lines.append(f"    {access.profile} {access.principal} via {access.via} {where}")
        lines.append(f"      actions: {_actions(access)}")
        because = f" ({'; '.join(access.reasons)})" if access.reasons else ""
        lines.append(f"      verdict: {access.verdict}{because}")
    if report.findings:
        lines += ["", "Findings:"]
        for finding in report.findings:
            lines.append(f"  {finding.code}  {finding.subject}: {finding.message}")
            lines.append(f"    fix: {finding.fix}")
        if any("cmek " in f.fix for f in report.findings):
            lines += ["", APPLY_NOTE]
    return "\n".join(lines) + "\n"


def _actions(access: audit.Access) -> str:
    granted = [a for a in access.actions if a not in access.extra]
    text = ", ".join(granted) or "none of the profile's"
    if access.extra:
        text += f" and {len(access.extra)} more than {access.profile} needs"
    if access.missing:
        text += f"; missing {', '.join(access.missing)}"
    return text


def to_dict(report: audit.Report) -> dict[str, Any]:
    inventory = report.inventory
    return {
        "summary": summary(report),
        "exit_code": report.exit_code,
        "regions": list(inventory.regions),
        "keys_audited": len(inventory.keys),
        "roles_trusting_clickhouse": [role.arn for role in inventory.roles],
        "access": [asdict(a) for a in report.access],
        "findings": [asdict(f) for f in report.findings],
        "unreadable": [asdict(u) for u in inventory.unreadable],
        "calls": dict(inventory.calls),
        "requests": inventory.requests,
    }


def to_json(report: audit.Report) -> str:
    return json.dumps(to_dict(report), indent=2) + "\n"


def to_csv(report: audit.Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for access in report.access:
        row = asdict(access)
        row["subject"] = row.pop("key_arn")
        row.pop("reasons")
        for column in ("aliases", "where", "actions", "extra", "missing"):
            row[column] = " ".join(row[column])
        writer.writerow({"record": "access", **row})
    for finding in report.findings:
        writer.writerow({"record": "finding", **asdict(finding)})
    return out.getvalue()


RENDERERS = {"text": text, "json": to_json, "csv": to_csv}
