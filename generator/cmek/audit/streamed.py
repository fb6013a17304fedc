"""`cmek audit` with `--organization`, `--format asff` or `--security-hub`: account by account.

The accounts are audited on one bounded pool (cmek/audit/organization.py); each account's report
is written as soon as it is ready (report.Stream) and, with `--security-hub`, imported into that
account's Security Hub; then it is dropped. Without `--organization` the caller's own account is
the one account. Exit: 1 findings (an account not entered is one), 3 when no account could be
audited or Security Hub refused a finding (a write failed: each refused finding is named on its
own line), 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from cmek import aws, model
from cmek.audit import asff, fetch, organization, securityhub
from cmek.audit import evaluate as audit
from cmek.audit import report as render
from cmek.errors import EXIT_TOOL_FAILED, InputError


def run(
    args: argparse.Namespace, regions: tuple[str, ...], accounts: tuple[str, ...], concurrency: int
) -> int:
    ctx = fetch.Context(regions, accounts, args.endpoint_url, concurrency, fetch.CallCounter())
    base = fetch.base_session()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    hub_region = args.security_hub_region or regions[0]

    def asff_of(info: render.AccountInfo, report: audit.Report) -> list[dict]:
        partition = next(
            (k.arn.split(":")[1] for k in report.inventory.keys), model.COMMERCIAL_PARTITION
        )
        return [
            asff.to_asff(f, info.account_id, hub_region, partition, now) for f in report.findings
        ]

    stream = render.Stream(sys.stdout, args.format, asff_of)
    failed: list[str] = []

    def on_account(member: organization.Member, inventory, why: str, session: Any) -> None:
        info = render.AccountInfo(member.account_id, member.name)
        if inventory is None:
            role = args.assume_role_name
            stream.account(info, audit.not_audited(member.account_id, regions, why, role))
            return
        report = audit.audit(inventory, accounts, args.endpoint_url)
        stream.account(info, report)
        if args.security_hub and report.readable:
            hub = fetch.client(session, "securityhub", hub_region, ctx)
            documents = asff_of(info, report)
            done = securityhub.publish(
                hub, member.account_id, member.partition, hub_region, documents, now
            )
            failed.extend(done.failed)

    progress = _Progress(sys.stderr) if sys.stderr.isatty() else None
    try:
        if args.organization:
            targets = _targets(args, base, ctx, stream, regions)
            organization.audit_members(
                base, targets, args.assume_role_name, ctx, on_account, progress and progress.update
            )
        else:
            member = _caller(base, ctx)
            _one(base, member, ctx, on_account)
    finally:
        if progress is not None:
            progress.close()
    code = stream.close()
    for line in failed:
        print(f"cmek: Security Hub refused finding {line}", file=sys.stderr)
    if code == EXIT_TOOL_FAILED:
        print("cmek: error: could not audit: no account could be read", file=sys.stderr)
    return EXIT_TOOL_FAILED if failed else code


def _targets(args, base, ctx, stream, regions) -> list[organization.Member]:
    """The active accounts to audit; the others (not active, or asked for but not members) are
    reported at once as not audited."""
    listed = organization.members(base, ctx)
    known = {m.account_id for m in listed}
    wanted = set(args.account) or known
    excluded = set(args.exclude_account)
    strangers = sorted(set(args.account) - known)
    if strangers:
        raise InputError(f"--account {strangers[0]}: not an account of the organization")
    targets = []
    for member in listed:
        if member.account_id not in wanted or member.account_id in excluded:
            continue
        if member.status != model.ORG_ACCOUNT_ACTIVE:
            why = f"the account is {member.status or 'not active'}"
            report = audit.not_audited(member.account_id, regions, why, args.assume_role_name)
            stream.account(render.AccountInfo(member.account_id, member.name), report)
            continue
        targets.append(member)
    return targets


def _caller(base: Any, ctx: fetch.Context) -> organization.Member:
    sts = fetch.client(base, "sts", base.region_name or fetch.IAM_SIGNING_REGION, ctx)
    arn = aws.call("GetCallerIdentity", sts.get_caller_identity)["Arn"]
    return organization.Member(arn.split(":")[4], "", model.ORG_ACCOUNT_ACTIVE, arn.split(":")[1])


def _one(base: Any, member: organization.Member, ctx: fetch.Context, on_account) -> None:
    found: list = []
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=ctx.concurrency) as pool:
        scheduler = fetch.Scheduler(pool)
        fetch.AccountScan(scheduler, ctx, base, found.append).start()
        scheduler.run()
    on_account(member, found[0], "", base)


class _Progress(render.TerminalLine):
    """Accounts and regions done of total, redrawn in place on a terminal."""

    def update(self, accounts: int, of_accounts: int, regions: int, of_regions: int) -> None:
        self.draw(f"audit: {accounts}/{of_accounts} accounts, {regions}/{of_regions} regions")
