"""Measure the speed targets (never asserted in tests): median wall time of whole commands.

Targets: `cmek --help` and `cmek snippet --principal ROLE` (v2, the default) within START_BUDGET
of a bare interpreter start (`python -c pass`, the same interpreter); `cmek build` at most 0.5x and
`cmek check` at most 1.0x one bare `cfn-lint --include-checks I` run over the same templates; a
repeat `cmek publish` of an unchanged version sends a constant number of requests (two manifest
reads), whatever the number of files. The package's bytecode is compiled first, and a first build
stores its compiled templates beside it, as an installed package has both after its first run (with
PYTHONDONTWRITEBYTECODE set, every run would otherwise compile every module it imports and every
template it renders).
Run: .venv/bin/python scripts/benchmark.py [--runs N]. Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
# How much later than a bare interpreter `cmek --help` and `cmek snippet` may be done.
START_BUDGET = 0.050
# A repeat publish of an unchanged version reads the version's and latest/'s manifests, no more.
REPEAT_PUBLISH_REQUESTS = 2
PUBLISH_BUCKET = "cmek.benchmark.example"
PUBLISH_REGION = "us-east-2"


def medians(commands: list[list[str]], runs: int) -> list[tuple[float, float]]:
    """Median wall time and median CPU time (user + system, the command and its children) of each
    command; runs alternate between the commands, so a load that comes and goes on a shared
    machine weighs on each command alike (ratios stay fair). CPU time is what load changes least:
    it tells whether a wall-time change is the code's or the machine's."""
    times: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for argv, measured in zip(commands, times, strict=True):
            before = _children_cpu()
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            measured.append((time.perf_counter() - start, _children_cpu() - before))
    return [
        (statistics.median(w for w, _ in measured), statistics.median(c for _, c in measured))
        for measured in times
    ]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def publish_requests(dist: Path) -> tuple[int, int, int]:
    """HTTP requests of a first and a repeat publish of `dist` to a moto server, and the number of
    objects a version holds (botocore `before-send` events, retries included)."""
    sys.path.insert(0, str(REPO / "tests"))
    import moto_server
    from cmek import aws, model
    from cmek.publish import upload as publish

    os.environ.update(AWS_ACCESS_KEY_ID="benchmark", AWS_SECRET_ACCESS_KEY="benchmark")
    with moto_server.running() as url:
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
    return counts[0], counts[1], len(build.items) + 1


class _Quiet:
    def file(self, status: str, key: str, reason: str = "") -> None:
        pass

    def progress(self, done: int, total: int, key: str) -> None:
        pass


def main() -> int:
    import cmek
    from cmek import model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    compileall.compile_dir(Path(cmek.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dist"
        cli = str(BIN / "cmek")
        first_run = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run(
            [cli, "build", "--out", str(out)], check=True, stdout=subprocess.DEVNULL, env=first_run
        )
        templates = sorted(str(p) for p in (out / "cloudformation").glob("*.yaml"))
        cfn_lint = [str(BIN / "cfn-lint"), "--include-checks", "I", "--", *templates]
        (lint, lint_cpu), (check, check_cpu), (build, build_cpu) = medians(
            [cfn_lint, [cli, "check", str(out)], [cli, "build", "--out", str(out)]], args.runs
        )
        role = ["--principal", model.EXAMPLE_ROLE_ARN]
        (bare, bare_cpu), (help_, help_cpu), (snippet, snippet_cpu) = medians(
            [[sys.executable, "-c", "pass"], [cli, "--help"], [cli, "snippet", *role]], args.runs
        )
        first, repeat, objects = publish_requests(out)
    budget = f"<= +{START_BUDGET * 1000:.0f} ms"
    rows = [
        ("cmek check", check, check_cpu, f"{check / lint:.2f}x", check <= lint, "<= 1.0x"),
        ("cmek build", build, build_cpu, f"{build / lint:.2f}x", build <= 0.5 * lint, "<= 0.5x"),
        (f"cfn-lint ({len(templates)} templates)", lint, lint_cpu, "baseline", True, ""),
        ("cmek --help", help_, help_cpu, _over(help_, bare), help_ - bare <= START_BUDGET, budget),
        (
            "cmek snippet",
            snippet,
            snippet_cpu,
            _over(snippet, bare),
            snippet - bare <= START_BUDGET,
            budget,
        ),
        ("python -c pass", bare, bare_cpu, "baseline", True, ""),
    ]
    print(
        f"median of {args.runs} runs (wall; CPU of the command and its children); load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    for name, seconds, cpu, measure, ok, target in rows:
        verdict = "ok" if ok else "MISSED"
        print(f"{name:24} {seconds:7.3f} s  cpu {cpu:6.3f} s  {measure:22} {target:10} {verdict}")
    repeat_ok = repeat <= REPEAT_PUBLISH_REQUESTS
    print(f"{'cmek publish (first)':24} {first:7d} requests ({objects} objects in the version)")
    print(
        f"{'cmek publish (repeat)':24} {repeat:7d} requests  "
        f"<= {REPEAT_PUBLISH_REQUESTS:<24} {'ok' if repeat_ok else 'MISSED'}"
    )
    return 0 if repeat_ok and all(ok for *_, ok, _ in rows) else 1


def _over(seconds: float, bare: float) -> str:
    return f"+{(seconds - bare) * 1000:.0f} ms ({seconds / bare:.1f}x bare)"


if __name__ == "__main__":
    raise SystemExit(main())
