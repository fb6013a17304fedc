"""`cmek audit --organization`, the AWS edge: every active account of an organization, entered
through a role and audited on one bounded pool.

From the management (or a delegated administrator) account: ListAccounts (paginated), then per
account one AssumeRole of `--assume-role-name`, whose session is cached for the account and renewed
by botocore before it expires (RefreshableCredentials). At most `concurrency` accounts are in
progress at once and each is handed on (`on_account`) as soon as its reads are done, so memory
holds a bounded number of accounts' facts however large the organization is. Every account's
session reads botocore's service models through one shared loader (`_shared_loader`), so the
models are parsed once per run, not once per account (about 25 MB each).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cmek import aws, model
from cmek.audit import evaluate as audit
from cmek.audit import fetch

# Called with accounts and regions done so far, and their totals.
OrgProgress = Callable[[int, int, int, int], None]


@dataclass(frozen=True)
class Member:
    """One account of the organization, as ListAccounts shows it."""

    account_id: str
    name: str
    status: str
    partition: str


def members(session: Any, ctx: fetch.Context) -> list[Member]:
    """Every account of the organization (ListAccounts, paginated)."""
    org = fetch.client(session, "organizations", fetch.IAM_SIGNING_REGION, ctx)
    pages = aws.pages("ListAccounts", org, "list_accounts")
    return [
        Member(a["Id"], a.get("Name", ""), a.get("Status", ""), a["Arn"].split(":")[1])
        for page in pages
        for a in page["Accounts"]
    ]


def assumed_session(base: Any, member: Member, role_name: str, ctx: fetch.Context) -> Any:
    """A session in `member` through its role; botocore renews it before it expires. AwsError
    (AccessDenied, a service control policy, ...) when the account cannot be entered."""
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    sts = fetch.client(base, "sts", base.region_name or fetch.IAM_SIGNING_REGION, ctx)
    role = model.ORG_ROLE_ARN.format(
        partition=member.partition, account=member.account_id, name=role_name
    )

    def refresh() -> dict[str, str]:
        reply = aws.call(
            f"AssumeRole {role}",
            sts.assume_role,
            RoleArn=role,
            RoleSessionName=model.ORG_SESSION_NAME,
            DurationSeconds=model.ORG_SESSION_SECONDS,
        )["Credentials"]
        return {
            "access_key": reply["AccessKeyId"],
            "secret_key": reply["SecretAccessKey"],
            "token": reply["SessionToken"],
            "expiry_time": reply["Expiration"].isoformat(),
        }

    credentials = RefreshableCredentials.create_from_metadata(refresh(), refresh, "sts-assume-role")
    core = botocore.session.Session()
    core.register_component("data_loader", _shared_loader())
    # botocore has no public setter for refreshable credentials; this is its documented pattern.
    core._credentials = credentials
    import boto3

    return boto3.session.Session(botocore_session=core, region_name=base.region_name)


@functools.cache
def _shared_loader() -> Any:
    """One botocore data loader for every per-account session: it caches what it parsed (service
    models, endpoints, rule sets), which a new session's own loader would parse again."""
    from botocore.loaders import create_loader

    return create_loader()


def audit_members(
    base: Any,
    targets: Sequence[Member],
    role_name: str,
    ctx: fetch.Context,
    on_account: Callable[[Member, audit.Inventory | None, str, Any], None],
    progress: OrgProgress | None = None,
) -> None:
    """Enter and audit every target; `on_account(member, inventory, "", session)` for an audited
    account, `on_account(member, None, reason, None)` for one that could not be entered."""
    state = _Window(iter(targets), len(targets), len(targets) * len(ctx.regions), progress)
    with ThreadPoolExecutor(max_workers=ctx.concurrency) as pool:
        scheduler = fetch.Scheduler(pool)

        def admit() -> None:
            while state.in_flight < ctx.concurrency:
                member = next(state.queue, None)
                if member is None:
                    return
                state.in_flight += 1
                then = lambda done, m=member: entered(m, done)  # noqa: E731
                scheduler.submit(then, assumed_session, base, member, role_name, ctx)

        def entered(member: Member, done: Future) -> None:
            try:
                session = done.result()
            except aws.AwsError as exc:
                finish(member, None, str(exc), None)
                return
            on_done = lambda inv, m=member, s=session: finish(m, inv, "", s)  # noqa: E731
            fetch.AccountScan(scheduler, ctx, session, on_done).start()

        def finish(member: Member, inventory: audit.Inventory | None, why: str, session) -> None:
            on_account(member, inventory, why, session)
            state.done(len(ctx.regions))
            admit()

        admit()
        scheduler.run()


class _Window:
    """How many accounts are in progress, and the progress line's counts."""

    def __init__(self, queue, accounts: int, regions: int, progress: OrgProgress | None) -> None:
        self.queue = queue
        self.in_flight = 0
        self.accounts, self.regions = accounts, regions
        self.accounts_done = self.regions_done = 0
        self.progress = progress

    def done(self, regions: int) -> None:
        self.in_flight -= 1
        self.accounts_done += 1
        self.regions_done += regions
        if self.progress is not None:
            self.progress(self.accounts_done, self.accounts, self.regions_done, self.regions)
