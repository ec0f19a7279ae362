#!/usr/bin/env python3
"""Throughput: events replayed back to back through the real handler against moto.

    python bench/load.py --events 1000

Uses the same driver as tests/test_load.py (which asserts that nothing is lost); prints
handler time only (the moto calls that set up each change are excluded). moto's
in-memory AWS answers in-process, so this measures our code plus botocore plus moto, not
AWS latency.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="eu-west-1"
    )
    sys.path.insert(0, str(ROOT / "tests"))
    import logging

    from helpers import replay_load
    from moto import mock_aws

    logging.getLogger("guardrails").setLevel(logging.WARNING)
    with mock_aws():
        outcomes, _, seconds, _ = replay_load(args.events)
    decisions = Counter(o.decision.value for o in outcomes)
    print(
        f"{len(outcomes)} events, {dict(decisions)}: {seconds:.2f} s of handler time, "
        f"{len(outcomes) / seconds:.0f} events/s"
    )


if __name__ == "__main__":
    main()
