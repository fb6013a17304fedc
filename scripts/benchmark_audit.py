"""Measure `cmek audit` at scale (never asserted in tests): keys per second and calls per key.

Starts a moto server, creates --keys customer-managed keys spread over three regions (a quarter
granting the v1 principal, a quarter a v2 role, the rest ClickHouse-free), then audits them with
the command's own fetch and evaluation. Target: the minimum calls per key, no repeated reads:
exactly one DescribeKey and one GetKeyPolicy per key, plus one ListKeys and one ListAliases
pagination per region and one ListRoles. Run: .venv/bin/python scripts/benchmark_audit.py
[--keys N] [--concurrency N]. Exit 1 when the call count is above the minimum.

`--organization` measures `cmek audit --organization` instead: --accounts accounts (default
100) x 2 regions x 20 keys (--keys-per-account 40), entered through OrganizationAccountAccessRole,
at each --concurrency-list value (default 8 and 32): wall time, keys/s, calls per key (minimum:
the single-account minimum per account, one AssumeRole per account, one ListAccounts) and peak
traced memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
import moto_server  # noqa: E402  (the tests' own moto start-up: port 0, no race)

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
ACCOUNT = "123456789012"  # moto's default account
CLICKHOUSE_ACCOUNT = "999988887777"
V2_ROLE = f"arn:aws:iam::{CLICKHOUSE_ACCOUNT}:role/benchmark-encryption"


def policy(index: int) -> str:
    from cmek import model

    statements = [
        {
            "Sid": model.KEY_POLICY_ROOT_SID,
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": model.KMS_ALL_ACTIONS,
            "Resource": "*",
        }
    ]
    grantee = {0: (model.V1, model.V1.principal), 1: (model.V2, V2_ROLE)}.get(index % 4)
    if grantee is not None:
        profile, principal = grantee
        statements.append(
            {
                "Sid": profile.key_policy_sid,
                "Effect": "Allow",
                "Principal": {"AWS": principal},
                "Action": list(profile.actions),
                "Resource": "*",
            }
        )
    return json.dumps({"Version": model.POLICY_VERSION, "Statement": statements})


def create_keys(url: str, count: int) -> None:
    from cmek import aws, model

    clients = {r: aws.client("kms", r, url, max_pool_connections=8) for r in REGIONS}

    def create(index: int) -> None:
        clients[REGIONS[index % len(REGIONS)]].create_key(
            Policy=policy(index), KeyUsage=model.KEY_USAGE
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(count)))


def measure(keys: int, concurrency: int) -> dict:
    from cmek.audit import evaluate as audit
    from cmek.audit import fetch as audit_fetch

    os.environ.update(AWS_ACCESS_KEY_ID="benchmark", AWS_SECRET_ACCESS_KEY="benchmark")
    with moto_server.running() as url:
        create_keys(url, keys)
        start = time.perf_counter()
        inventory = audit_fetch.fetch(REGIONS, [CLICKHOUSE_ACCOUNT], url, concurrency)
        fetched = time.perf_counter() - start
        report = audit.audit(inventory, [CLICKHOUSE_ACCOUNT], url)
        seconds = time.perf_counter() - start
    calls = dict(inventory.calls)
    return {
        "keys": len(inventory.keys),
        "seconds": seconds,
        "fetch_seconds": fetched,
        "calls": calls,
        "requests": inventory.requests,
        "access": len(report.access),
        "findings": len(report.findings),
    }


ORG_REGIONS = ("us-east-1", "eu-west-1")
LIST_ACCOUNTS_PAGE = 100


def create_organization(url: str, accounts: int, keys: int) -> list[str]:
    """`accounts` member accounts, each with `keys` keys spread over ORG_REGIONS."""
    import boto3
    from cmek import model

    org = boto3.client("organizations", region_name="us-east-1", endpoint_url=url)
    org.create_organization(FeatureSet="ALL")
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=url)
    ids = []
    for n in range(accounts):
        made = org.create_account(Email=f"a{n}@example.com", AccountName=f"account-{n}")
        account = made["CreateAccountStatus"]["AccountId"]
        role = f"arn:aws:iam::{account}:role/{model.DEFAULT_ORG_ROLE_NAME}"
        c = sts.assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
        session = boto3.session.Session(
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )
        clients = [session.client("kms", region_name=r, endpoint_url=url) for r in ORG_REGIONS]
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(
                pool.map(
                    lambda i, cs=clients: cs[i % len(cs)].create_key(
                        Policy=policy(i), KeyUsage=model.KEY_USAGE
                    ),
                    range(keys),
                )
            )
        ids.append(account)
    return ids


def measure_organization(url: str, concurrency: int) -> dict:
    """One organization-wide audit, as the command runs it, rows evaluated and dropped."""
    import tracemalloc

    from cmek import model
    from cmek.audit import evaluate as audit
    from cmek.audit import fetch, organization

    ctx = fetch.Context(ORG_REGIONS, (CLICKHOUSE_ACCOUNT,), url, concurrency, fetch.CallCounter())
    base = fetch.base_session()
    totals = {"accounts": 0, "keys": 0, "findings": 0}

    def on_account(member, inventory, why, session) -> None:
        totals["accounts"] += inventory is not None
        if inventory is not None:
            totals["keys"] += len(inventory.keys)
            totals["findings"] += len(audit.audit(inventory, ctx.accounts, url).findings)

    tracemalloc.start()
    start = time.perf_counter()
    targets = [m for m in organization.members(base, ctx) if m.account_id != ACCOUNT]
    organization.audit_members(base, targets, model.DEFAULT_ORG_ROLE_NAME, ctx, on_account)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {**totals, "seconds": seconds, "calls": dict(ctx.counter.calls), "peak": peak}


def organization_main(args: argparse.Namespace) -> int:
    os.environ.update(AWS_ACCESS_KEY_ID="benchmark", AWS_SECRET_ACCESS_KEY="benchmark")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    ok = True
    with moto_server.running() as url:
        create_organization(url, args.accounts, args.keys_per_account)
        for concurrency in args.concurrency_list:
            result = measure_organization(url, concurrency)
            keys, calls = result["keys"], result["calls"]
            total = sum(calls.values())
            per_account = 2 * len(ORG_REGIONS) + 1 + 1  # listings, ListRoles, AssumeRole
            # + ListAccounts: one call per page, the management account included (moto's page
            # is 100 accounts; AWS's is at most 20)
            pages = -(-(args.accounts + 1) // LIST_ACCOUNTS_PAGE)
            minimum = 2 * keys + per_account * result["accounts"] + pages
            print(
                f"concurrency {concurrency}: {result['accounts']} accounts x "
                f"{len(ORG_REGIONS)} regions, {keys} keys in {result['seconds']:.1f} s "
                f"({keys / result['seconds']:.0f} keys/s); calls {total} "
                f"({total / keys:.3f} per key, minimum {minimum}); peak traced memory "
                f"{result['peak'] / 2**20:.1f} MiB; findings {result['findings']}"
            )
            print(f"  calls: {dict(sorted(calls.items()))}")
            ok = ok and total == minimum and keys == args.accounts * args.keys_per_account
    # The process's peak resident memory over every run above (moto runs in its own process).
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_rss:.0f} MiB")
    print("ok" if ok else "MISSED: more calls than the minimum")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--organization", action="store_true")
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--keys-per-account", type=int, default=40)
    parser.add_argument("--concurrency-list", type=int, nargs="+", default=[8, 32])
    args = parser.parse_args()
    if args.organization:
        return organization_main(args)
    result = measure(args.keys, args.concurrency)
    keys, calls = result["keys"], result["calls"]
    total = sum(calls.values())
    per_key = {op: calls.get(op, 0) / max(keys, 1) for op in ("DescribeKey", "GetKeyPolicy")}
    # moto ignores ListKeys' and ListAliases' page size and answers in one page per region.
    minimum = 2 * keys + 2 * len(REGIONS) + 1
    print(f"{keys} keys in {len(REGIONS)} regions, concurrency {args.concurrency}")
    print(
        f"audit: {result['seconds']:.2f} s ({keys / result['seconds']:.0f} keys/s; "
        f"fetch {result['fetch_seconds']:.2f} s)"
    )
    print(f"calls: {total} ({total / keys:.3f} per key; minimum {minimum}) {calls}")
    print(f"HTTP requests: {result['requests']} (retries: {result['requests'] - total})")
    print(f"accesses: {result['access']}, findings: {result['findings']}")
    ok = keys == args.keys and total == minimum and all(v == 1 for v in per_key.values())
    print("ok" if ok else "MISSED: more calls than the minimum")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
