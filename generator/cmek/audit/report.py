"""`cmek audit` output: the report as text for people, JSON for scripts, CSV for spreadsheets.

Pure functions of `audit.Report`; every format carries the same accesses and findings.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from cmek import model
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
    "severity",
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
            lines.append(
                f"  {severity(finding):6} {finding.code}  {finding.subject}: {finding.message}"
            )
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
        "findings": [_finding_dict(f) for f in report.findings],
        "unreadable": [asdict(u) for u in inventory.unreadable],
        "calls": dict(inventory.calls),
        "requests": inventory.requests,
    }


def to_json(report: audit.Report) -> str:
    return json.dumps(to_dict(report), indent=2) + "\n"


def _csv_rows(report: audit.Report) -> Iterator[dict[str, Any]]:
    for access in report.access:
        row = asdict(access)
        row["subject"] = row.pop("key_arn")
        row.pop("reasons")
        for column in ("aliases", "where", "actions", "extra", "missing"):
            row[column] = " ".join(row[column])
        yield {"record": "access", **row}
    for finding in report.findings:
        yield {"record": "finding", **_finding_dict(finding)}


def severity(finding: audit.Finding) -> str:
    """The finding's severity label, by its code (the same label ASFF gets)."""
    return model.ASFF_SEVERITY[finding.code]


def _finding_dict(finding: audit.Finding) -> dict[str, Any]:
    return {**asdict(finding), "severity": severity(finding)}


def csv_cell(value: Any) -> Any:
    """A cell as a spreadsheet may open it: text that starts like a formula (a key policy's Sid or
    condition, an account or alias name: all chosen by whoever wrote the policy) gets a leading
    apostrophe, so it is shown, not run."""
    if isinstance(value, str) and value.startswith(model.CSV_FORMULA_STARTS):
        return model.CSV_FORMULA_ESCAPE + value
    return value


def _safe_rows(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield {column: csv_cell(value) for column, value in row.items()}


def to_csv(report: audit.Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_safe_rows(_csv_rows(report)))
    return out.getvalue()


RENDERERS = {"text": text, "json": to_json, "csv": to_csv}


# --- Organization-wide output, streamed one account at a time ------------------------------------


@dataclass(frozen=True)
class AccountInfo:
    account_id: str
    name: str


def _with_account(info: AccountInfo, row: dict[str, Any]) -> dict[str, Any]:
    return {"account_id": info.account_id, "account_name": info.name, **row}


def account_dict(info: AccountInfo, report: audit.Report) -> dict[str, Any]:
    """One account's part of the JSON report: its rows each carry the account."""
    found = to_dict(report)
    for rows in ("access", "findings"):
        found[rows] = [_with_account(info, row) for row in found[rows]]
    return _with_account(info, found)


class Stream:
    """Writes each account's part as soon as it is audited and keeps only the totals, so memory
    does not grow with the number of accounts (text, CSV and ASFF rows are written as they come;
    JSON is one document written piece by piece)."""

    def __init__(self, out: TextIO, fmt: str, asff_of: Callable[..., list[dict]]) -> None:
        self.out, self.fmt, self.asff_of = out, fmt, asff_of
        self.accounts = self.audited = self.findings = 0
        self.readable = False
        self.writer = csv.DictWriter(
            out, ("account_id", "account_name", *CSV_COLUMNS), lineterminator="\n"
        )
        if fmt == "csv":
            self.writer.writeheader()
        opening = {"json": '{"accounts": [', "asff": '{"Findings": ['}.get(fmt, "")
        out.write(opening)

    def _separator(self, first: bool) -> str:
        return "" if first else ","

    def account(self, info: AccountInfo, report: audit.Report) -> None:
        first = self.accounts == 0 if self.fmt == "json" else self.findings == 0
        self.accounts += 1
        self.audited += 1 if report.readable else 0
        self.readable = self.readable or report.readable
        self.findings += len(report.findings)
        if self.fmt == "text":
            heading = f"== account {info.account_id} ({info.name}): "
            self.out.write(heading + text(report).removeprefix("cmek audit: ") + "\n")
        elif self.fmt == "json":
            self.out.write(self._separator(first) + json.dumps(account_dict(info, report)))
        elif self.fmt == "csv":
            self.writer.writerows(_safe_rows(_with_account(info, r) for r in _csv_rows(report)))
        else:
            documents = self.asff_of(info, report)
            for index, document in enumerate(documents):
                self.out.write(self._separator(first and index == 0) + json.dumps(document))
        self.out.flush()

    def close(self) -> int:
        """The closing summary; returns the exit code (3 only when no account could be read)."""
        code = (
            audit.EXIT_TOOL_FAILED
            if not self.readable
            else (audit.EXIT_CHECK_FAILED if self.findings else audit.EXIT_OK)
        )
        summary = (
            f"cmek audit: {self.audited} of {self.accounts} account(s) audited; "
            f"{self.findings} finding(s)"
        )
        if self.fmt == "text":
            self.out.write(summary + "\n")
        elif self.fmt == "json":
            self.out.write(f'], "summary": {json.dumps(summary)}, "exit_code": {code}}}\n')
        elif self.fmt == "asff":
            self.out.write("]}\n")
        return code


class TerminalLine:
    """One line redrawn in place on a terminal (`update` draws it), erased when closed; the
    callers make one only when stderr is a terminal, so a pipe gets no progress text."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.drawn = False

    def draw(self, text: str) -> None:
        self.stream.write(f"\r{text}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
