#!/usr/bin/env python3
"""`guardrails scan` time and peak memory from 10,000 to 100,000 plan resources.

    python bench/scan_scale.py --resources 10000 30000 100000

Each size is written to a temporary file once (the synthetic plans of ``plans.py``),
then scanned by one fresh `guardrails scan --format json` process; the table gives its
wall time, its peak resident memory (the child's ``ru_maxrss``) and both per 10,000
resources, so growth that is not linear shows as a rising per-10,000 figure. The issue's
target: 100,000 resources in at most 5 s and 1.5 GiB here.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from plans import make_plan  # noqa: E402

CLI = str(Path(sys.executable).parent / "guardrails")  # the installed console script


def measure(plan: Path) -> tuple[float, float, int]:
    """(seconds, peak MiB, findings) of one scan process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [CLI, "scan", "--format", "json", "--exit-zero", str(plan)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: sizes run in ascending order.
    return seconds, max(peak, before) / 1024, len(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    args = parser.parse_args()
    print(
        f"{'resources':>10} {'MB on disk':>10} {'findings':>9} {'time':>8} {'peak MiB':>9}"
        f" {'s/10k':>7} {'MiB/10k':>8}"
    )
    with tempfile.TemporaryDirectory() as work:
        for n in sorted(args.resources):
            path = Path(work) / f"plan-{n}.json"
            path.write_text(json.dumps(make_plan(n)))
            size = path.stat().st_size / 1e6
            seconds, peak, findings = measure(path)
            print(
                f"{n:>10,} {size:>10.1f} {findings:>9,} {seconds:>7.2f}s {peak:>9.0f}"
                f" {seconds / n * 10_000:>7.2f} {peak / n * 10_000:>8.0f}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
