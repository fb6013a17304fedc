"""Measure the speed targets (never asserted in tests): median wall time of whole commands.

Targets: `cmek --help` under 300 ms; `cmek build` at most 0.5x and `cmek check` at most 1.3x one
bare `cfn-lint --include-checks I` run over the three templates; a repeat `cmek publish` of an
unchanged version sends a constant number of requests (two manifest reads), whatever the number of
files. Run: .venv/bin/python scripts/benchmark.py [--runs N]. Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
# A repeat publish of an unchanged version reads the version's and latest/'s manifests, no more.
REPEAT_PUBLISH_REQUESTS = 2
PUBLISH_BUCKET = "cmek.benchmark.example"
PUBLISH_REGION = "us-east-2"


def median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def moto_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("moto server did not start")


def publish_requests(dist: Path) -> tuple[int, int, int]:
    """HTTP requests of a first and a repeat publish of `dist` to a moto server, and the number of
    objects a version holds (botocore `before-send` events, retries included)."""
    from cmek import aws, model
    from cmek.publish import upload as publish

    os.environ.update(AWS_ACCESS_KEY_ID="benchmark", AWS_SECRET_ACCESS_KEY="benchmark")
    proc, url = moto_server()
    try:
        config = {"LocationConstraint": PUBLISH_REGION}
        client = aws.client("s3", PUBLISH_REGION, url)
        client.create_bucket(Bucket=PUBLISH_BUCKET, CreateBucketConfiguration=config)
        target = publish.target(PUBLISH_BUCKET, model.PUBLISH_PREFIX, model.VERSION)
        build = publish.read_dist(dist)
        counts = []
        for _ in range(2):
            store = publish.S3(aws.client("s3", PUBLISH_REGION, url), PUBLISH_BUCKET)
            publish.publish(build, target, store, _Quiet())
            counts.append(store.requests)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return counts[0], counts[1], len(build.items) + 1


class _Quiet:
    def file(self, status: str, key: str, reason: str = "") -> None:
        pass

    def progress(self, done: int, total: int, key: str) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dist"
        cmek = str(BIN / "cmek")
        subprocess.run([cmek, "build", "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
        templates = sorted(str(p) for p in (out / "cloudformation").glob("*.yaml"))
        lint = median_seconds(
            [str(BIN / "cfn-lint"), "--include-checks", "I", "--", *templates], args.runs
        )
        help_ = median_seconds([cmek, "--help"], args.runs)
        build = median_seconds([cmek, "build", "--out", str(out)], args.runs)
        check = median_seconds([cmek, "check", str(out)], args.runs)
        first, repeat, objects = publish_requests(out)
    rows = [
        ("cmek --help", help_, f"{help_ * 1000:.0f} ms", help_ < 0.3, "< 300 ms"),
        ("cmek build", build, f"{build / lint:.2f}x cfn-lint", build <= 0.5 * lint, "<= 0.5x"),
        ("cmek check", check, f"{check / lint:.2f}x cfn-lint", check <= 1.3 * lint, "<= 1.3x"),
        (f"cfn-lint ({len(templates)} templates)", lint, "baseline", True, ""),
    ]
    print(f"median of {args.runs} runs")
    for name, seconds, measure, ok, target in rows:
        verdict = "ok" if ok else "MISSED"
        print(f"{name:24} {seconds:7.3f} s  {measure:18} {target:9} {verdict}")
    repeat_ok = repeat <= REPEAT_PUBLISH_REQUESTS
    print(f"{'cmek publish (first)':24} {first:7d} requests ({objects} objects in the version)")
    print(
        f"{'cmek publish (repeat)':24} {repeat:7d} requests  "
        f"<= {REPEAT_PUBLISH_REQUESTS:<24} {'ok' if repeat_ok else 'MISSED'}"
    )
    return 0 if repeat_ok and all(ok for *_, ok, _ in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
