"""Measure the speed targets (never asserted in tests): median wall time of whole commands.

Targets: `cmek --help` under 300 ms; `cmek build` at most 0.5x and `cmek check` at most 1.3x one
bare `cfn-lint --include-checks I` run over the three templates. Run: .venv/bin/python
scripts/benchmark.py [--runs N]. Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    rows = [
        ("cmek --help", help_, f"{help_ * 1000:.0f} ms", help_ < 0.3, "< 300 ms"),
        ("cmek build", build, f"{build / lint:.2f}x cfn-lint", build <= 0.5 * lint, "<= 0.5x"),
        ("cmek check", check, f"{check / lint:.2f}x cfn-lint", check <= 1.3 * lint, "<= 1.3x"),
        ("cfn-lint (3 templates)", lint, "baseline", True, ""),
    ]
    print(f"median of {args.runs} runs")
    for name, seconds, measure, ok, target in rows:
        verdict = "ok" if ok else "MISSED"
        print(f"{name:24} {seconds:7.3f} s  {measure:18} {target:9} {verdict}")
    return 0 if all(ok for *_, ok, _ in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
