"""Measure `cmek audit` at scale (never asserted in tests): keys per second and calls per key.

Starts a moto server, creates --keys customer-managed keys spread over three regions (a quarter
granting the v1 principal, a quarter a v2 role, the rest ClickHouse-free), then audits them with
the command's own fetch and evaluation. Target: the minimum calls per key, no repeated reads:
exactly one DescribeKey and one GetKeyPolicy per key, plus one ListKeys and one ListAliases
pagination per region and one ListRoles. Run: .venv/bin/python scripts/benchmark_audit.py
[--keys N] [--concurrency N]. Exit 1 when the call count is above the minimum.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmark import moto_server  # the same moto start-up as the speed benchmark (scripts/)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
    proc, url = moto_server()
    try:
        create_keys(url, keys)
        start = time.perf_counter()
        inventory = audit_fetch.fetch(REGIONS, [CLICKHOUSE_ACCOUNT], url, concurrency)
        fetched = time.perf_counter() - start
        report = audit.audit(inventory, [CLICKHOUSE_ACCOUNT], url)
        seconds = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=10)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
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
