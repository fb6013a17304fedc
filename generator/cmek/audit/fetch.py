"""`cmek audit`, the AWS edge: read an account's keys and ClickHouse-trusting roles, concurrently.

The minimum reads, each once: per region one ListKeys and one ListAliases pagination (aliases are
joined to keys here, never asked per key), then per key DescribeKey (state, manager) and, for a
customer-managed key, GetKeyPolicy. IAM is global: one ListRoles pagination (it carries each
role's trust policy), then policies only of the roles that trust ClickHouse, each managed policy
read once however many roles attach it. A key whose only alias is `alias/aws/...` is AWS managed
(that prefix is reserved for them) and is not even described.

Calls run on a bounded thread pool; botocore's adaptive retry mode backs off and slows the client
on throttling. A region that cannot be listed is recorded and the rest go on. Every client counts
its calls (botocore's `before-call`) and HTTP requests (`before-send`, retries included), so the
benchmark and the tests can prove there are no repeated reads.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from cmek import aws, model
from cmek.audit import evaluate as audit
from cmek.iam_policy import account_of
from cmek.verify import evaluate as verify_key
from cmek.verify import fetch as verify_key_fetch

Progress = Callable[[int, int], None]
# IAM signs with this region in the commercial partition whatever region the caller uses.
IAM_SIGNING_REGION = "us-east-1"


class CallCounter:
    """API calls by operation and HTTP requests (retries included), from botocore's events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.requests = 0

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-call", self._call)
        client.meta.events.register("before-send", self._send)
        return client

    def _call(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1

    def _send(self, **_: Any) -> None:
        with self._lock:
            self.requests += 1


def kms_regions(partition: str = model.COMMERCIAL_PARTITION) -> tuple[str, ...]:
    """The regions of `partition` where KMS runs, from botocore's endpoint data."""
    import boto3

    return tuple(sorted(boto3.session.Session().get_available_regions("kms", partition)))


def all_kms_regions() -> frozenset[str]:
    import boto3

    session = boto3.session.Session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("kms", partition)
    )


def base_session() -> Any:
    """The one session every audit client derives from: the AWS profile of this run
    (`--profile NAME`, see cmek.aws.session), else the standard credential chain."""
    return aws.session()


def client(session: Any, service: str, region: str | None, ctx: Context) -> Any:
    """A counted client of `session`; adaptive retries back off and slow it on throttling."""
    from botocore.config import Config

    config = Config(
        retries={"mode": "adaptive", "max_attempts": aws.DEFAULT_MAX_ATTEMPTS},
        max_pool_connections=ctx.concurrency,
    )
    made = session.client(service, region_name=region, endpoint_url=ctx.endpoint_url, config=config)
    return ctx.counter.attach(made)


@dataclass(frozen=True)
class Context:
    """What every account's scan shares: the regions, ClickHouse's accounts, the endpoint, the
    pool's size and the call counter."""

    regions: tuple[str, ...]
    accounts: tuple[str, ...]
    endpoint_url: str | None
    concurrency: int
    counter: CallCounter


class Scheduler:
    """One bounded thread pool for every AWS call of the audit. Workers only call AWS; what to do
    with a result runs here on the calling thread, which may submit more, so no worker ever waits
    for another (no deadlock however many accounts share the pool)."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool
        self.pending: dict[Future, Callable[[Future], None]] = {}

    def submit(self, then: Callable[[Future], None], fn: Callable, *args: Any) -> None:
        self.pending[self.pool.submit(fn, *args)] = then

    def run(self) -> None:
        while self.pending:
            done, _ = wait(self.pending, return_when=FIRST_COMPLETED)
            for future in done:
                self.pending.pop(future)(future)


class AccountScan:
    """One account's reads (its regions' keys and its roles) on the shared scheduler; calls
    `on_done(inventory)` once every read has answered. Holds only this account's facts."""

    def __init__(
        self,
        scheduler: Scheduler,
        ctx: Context,
        session: Any,
        on_done: Callable[[audit.Inventory], None],
        progress: Progress | None = None,
    ) -> None:
        self.scheduler, self.ctx, self.session, self.on_done = scheduler, ctx, session, on_done
        self.progress = progress
        self.keys: list[audit.KeyFacts] = []
        self.unreadable: list[audit.Unreadable] = []
        self.roles: tuple[verify_key.RoleFacts, ...] = ()
        self.outstanding = 0
        self.reads = 0
        self.keys_done = 0
        self.regions_done = 0

    def start(self) -> None:
        self.outstanding = 1 + len(self.ctx.regions)
        self.scheduler.submit(self._roles_read, _roles, self.session, self.ctx)
        for region in self.ctx.regions:
            then = functools.partial(self._listed, region)
            self.scheduler.submit(then, _list_region, self.session, region, self.ctx)

    def _listed(self, region: str, done: Future) -> None:
        try:
            kms, key_ids, aliases = done.result()
        except aws.AwsError as exc:
            self.unreadable.append(audit.Unreadable(region, exc.code, str(exc)))
        else:
            for key in key_ids:
                if not _aws_managed(aliases.get(key[0], ())):
                    self.reads += 1
                    self.outstanding += 1
                    self.scheduler.submit(
                        self._read, _read_key, kms, region, key, aliases.get(key[0], ())
                    )
        self.regions_done += 1
        self._one_done()

    def _read(self, done: Future) -> None:
        found = done.result()
        if found is not None:
            self.keys.append(found)
        self.keys_done += 1
        if self.progress is not None:
            self.progress(self.keys_done, self.reads)
        self._one_done()

    def _roles_read(self, done: Future) -> None:
        self.roles, failure = done.result()
        if failure is not None:
            self.unreadable.append(failure)
        self._one_done()

    def _one_done(self) -> None:
        self.outstanding -= 1
        if self.outstanding == 0:
            self.on_done(
                audit.Inventory(
                    regions=self.ctx.regions,
                    keys=tuple(self.keys),
                    roles=self.roles,
                    unreadable=tuple(sorted(self.unreadable, key=lambda u: u.where)),
                )
            )


def fetch(
    regions: Sequence[str],
    accounts: Sequence[str],
    endpoint_url: str | None = None,
    concurrency: int = 8,
    progress: Progress | None = None,
    session: Any = None,
) -> audit.Inventory:
    """Everything the audit needs of one account (`session`'s, default the standard chain), read
    with at most `concurrency` calls in flight."""
    ctx = Context(tuple(regions), tuple(accounts), endpoint_url, concurrency, CallCounter())
    found: list[audit.Inventory] = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        scheduler = Scheduler(pool)
        scan = AccountScan(scheduler, ctx, session or base_session(), found.append, progress)
        scan.start()
        scheduler.run()
    [inventory] = found
    return dataclasses.replace(
        inventory, calls=dict(sorted(ctx.counter.calls.items())), requests=ctx.counter.requests
    )


def _aws_managed(aliases: Sequence[str]) -> bool:
    return any(a.startswith(model.KMS_ALIAS_RESERVED_PREFIX) for a in aliases)


def _list_region(
    session: Any, region: str, ctx: Context
) -> tuple[Any, list[tuple[str, str]], dict[str, tuple[str, ...]]]:
    """The region's client, its keys (id, ARN) and each key's aliases."""
    kms = client(session, "kms", region, ctx)
    pages = aws.pages(
        f"ListKeys in {region}", kms, "list_keys", PaginationConfig={"PageSize": 1000}
    )
    key_ids = [(key["KeyId"], key["KeyArn"]) for page in pages for key in page["Keys"]]
    pages = aws.pages(
        f"ListAliases in {region}", kms, "list_aliases", PaginationConfig={"PageSize": 100}
    )
    aliases: dict[str, tuple[str, ...]] = {}
    for page in pages:
        for alias in page["Aliases"]:
            if "TargetKeyId" in alias:
                target = alias["TargetKeyId"]
                aliases[target] = (*aliases.get(target, ()), alias["AliasName"])
    return kms, key_ids, aliases


def _read_key(
    kms: Any, region: str, key: tuple[str, str], aliases: tuple[str, ...]
) -> audit.KeyFacts | None:
    """DescribeKey, then GetKeyPolicy for a customer-managed key; None for an AWS-managed one.
    A failure is the key's own finding, not the region's."""
    arn = key[1]
    aliases = tuple(sorted(aliases))
    try:
        meta = aws.call(f"DescribeKey {arn}", kms.describe_key, KeyId=arn)["KeyMetadata"]
    except aws.AwsError as exc:
        return audit.KeyFacts(arn, region, None, aliases, error=str(exc))
    if meta.get("KeyManager") != model.KEY_MANAGER_CUSTOMER:
        return None
    try:
        policy = aws.key_policy(kms, arn)
    except aws.AwsError as exc:
        return audit.KeyFacts(arn, region, meta, aliases, error=str(exc))
    return audit.KeyFacts(arn, region, meta, aliases, policy)


def _roles(
    session: Any, ctx: Context
) -> tuple[tuple[verify_key.RoleFacts, ...], audit.Unreadable | None]:
    """The roles that trust ClickHouse with their policies; IAM's refusal is recorded, not fatal
    (the keys' own policies are still audited)."""
    iam = client(session, "iam", IAM_SIGNING_REGION, ctx)
    try:
        pages = aws.pages("ListRoles", iam, "list_roles")
        listed = [role for page in pages for role in page["Roles"]]
        managed: dict[str, Any] = {}
        roles = tuple(
            _role(iam, role, managed)
            for role in listed
            if audit.trusted(
                role["AssumeRolePolicyDocument"], ctx.accounts, account_of(role["Arn"])
            )
        )
    except aws.AwsError as exc:
        return (), audit.Unreadable("iam", exc.code, str(exc))
    return roles, None


def _role(iam: Any, role: dict, managed: dict[str, Any]) -> verify_key.RoleFacts:
    documents = verify_key_fetch.role_documents(iam, role["RoleName"], aws.call, managed)
    return verify_key.RoleFacts(role["Arn"], True, role["AssumeRolePolicyDocument"], documents)
