#!/usr/bin/env python3
"""`guardrails scan` on synthetic Terraform plans, next to the Rego copies of the same
policies run by the embedded Rego engine (regopy) on the same plan, in one run.

    python bench/scan_speed.py --resources 1000 2000 10000 --rego-timeout 300

For each size: the median of --repeat in-process scans (read + evaluate), the wall time of
one `guardrails scan` process (Python start-up included), and the time regopy takes to
evaluate every policy's findings (one run in a child process, stopped after
--rego-timeout seconds). Both engines must report the same number of findings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from plans import make_plan  # noqa: E402

REGO_CHILD = r"""
import json, sys, time
from guardrails.rego_engine import evaluate
text = open(sys.argv[1]).read()
start = time.perf_counter()
findings = evaluate(text)
print(json.dumps({"seconds": time.perf_counter() - start, "findings": len(findings)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, nargs="+", default=[1000, 2000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rego-timeout", type=float, default=300)
    args = parser.parse_args()

    from guardrails.scan.engine import scan_path

    print(
        f"{'resources':>9}  {'findings':>8}  {'scan (in-process)':>17}  {'guardrails scan CLI':>19}"
        f"  {'regopy':>14}"
    )
    for n in args.resources:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "plan.json"
            path.write_text(json.dumps(make_plan(n)))
            times, findings = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                findings = scan_path(path)
                times.append(time.perf_counter() - start)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "guardrails.cli", "scan", "--format", "json", str(path)],
                capture_output=True,
                check=False,
            )
            cli = time.perf_counter() - start
            try:
                out = subprocess.run(
                    [sys.executable, "-c", REGO_CHILD, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=args.rego_timeout,
                ).stdout
                rego = json.loads(out.strip().splitlines()[-1])
                rego_text = f"{rego['seconds']:>7.2f} s"
                if rego["findings"] != len(findings):
                    rego_text += f" ({rego['findings']} findings!)"
            except subprocess.TimeoutExpired:
                rego_text = f"> {args.rego_timeout:.0f} s (stopped)"
        print(
            f"{n:>9}  {len(findings):>8}  {statistics.median(times):>15.3f} s"
            f"  {cli:>17.3f} s  {rego_text:>14}",
            flush=True,
        )


if __name__ == "__main__":
    main()
