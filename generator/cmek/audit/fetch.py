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

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
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


def default_region() -> str | None:
    import boto3

    return boto3.session.Session().region_name


def fetch(
    regions: Sequence[str],
    accounts: Sequence[str],
    endpoint_url: str | None = None,
    concurrency: int = 8,
    progress: Progress | None = None,
) -> audit.Inventory:
    """Everything the audit needs, read with at most `concurrency` calls in flight."""
    counter = CallCounter()
    unreadable: list[audit.Unreadable] = []
    keys: list[audit.KeyFacts] = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        roles_future = pool.submit(_roles, accounts, endpoint_url, counter, concurrency)
        listings = {
            pool.submit(_list_region, region, endpoint_url, counter, concurrency): region
            for region in regions
        }
        reads: list[Future] = []
        for done in as_completed(listings):
            try:
                kms, key_ids, aliases = done.result()
            except aws.AwsError as exc:
                unreadable.append(audit.Unreadable(listings[done], exc.code, str(exc)))
                continue
            region = listings[done]
            reads += [
                pool.submit(_read_key, kms, region, key, aliases.get(key[0], ()))
                for key in key_ids
                if not _aws_managed(aliases.get(key[0], ()))
            ]
        for count, done in enumerate(as_completed(reads), 1):
            found = done.result()
            if found is not None:
                keys.append(found)
            if progress is not None:
                progress(count, len(reads))
        roles, iam_failure = roles_future.result()
    if iam_failure is not None:
        unreadable.append(iam_failure)
    return audit.Inventory(
        regions=tuple(regions),
        keys=tuple(keys),
        roles=roles,
        unreadable=tuple(sorted(unreadable, key=lambda u: u.where)),
        calls=dict(sorted(counter.calls.items())),
        requests=counter.requests,
    )


def _aws_managed(aliases: Sequence[str]) -> bool:
    return any(a.startswith(model.KMS_ALIAS_RESERVED_PREFIX) for a in aliases)


def _list_region(
    region: str, endpoint_url: str | None, counter: CallCounter, concurrency: int
) -> tuple[Any, list[tuple[str, str]], dict[str, tuple[str, ...]]]:
    """The region's client, its keys (id, ARN) and each key's aliases."""
    kms = counter.attach(
        aws.client("kms", region, endpoint_url, "adaptive", max_pool_connections=concurrency)
    )
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
    accounts: Sequence[str], endpoint_url: str | None, counter: CallCounter, concurrency: int
) -> tuple[tuple[verify_key.RoleFacts, ...], audit.Unreadable | None]:
    """The roles that trust ClickHouse with their policies; IAM's refusal is recorded, not fatal
    (the keys' own policies are still audited)."""
    iam = counter.attach(
        aws.client("iam", IAM_SIGNING_REGION, endpoint_url, "adaptive", concurrency)
    )
    try:
        pages = aws.pages("ListRoles", iam, "list_roles")
        listed = [role for page in pages for role in page["Roles"]]
        managed: dict[str, Any] = {}
        roles = tuple(
            _role(iam, role, managed)
            for role in listed
            if audit.trusted(role["AssumeRolePolicyDocument"], accounts, account_of(role["Arn"]))
        )
    except aws.AwsError as exc:
        return (), audit.Unreadable("iam", exc.code, str(exc))
    return roles, None


def _role(iam: Any, role: dict, managed: dict[str, Any]) -> verify_key.RoleFacts:
    documents = verify_key_fetch.role_documents(iam, role["RoleName"], aws.call, managed)
    return verify_key.RoleFacts(role["Arn"], True, role["AssumeRolePolicyDocument"], documents)
