#!/usr/bin/env python3
"""Lambda cold-start cost: importing our handler vs `import boto3` alone vs Cloud
Custodian's Lambda entry point (`c7n.handler`, installed into its own venv), in one run;
and our handler imported from the staged Lambda asset (modules in its archive).

    python bench/cold_start.py --repeat 15

Each import is timed inside a fresh interpreter (interpreter start-up excluded), runs
interleaved, median of --repeat. Ratios are against `import boto3` in the same venv, since
each tool brings its own boto3 version. Also prints the zipped size of our Lambda asset
(the folder ``guardrails.core.stage_runtime`` writes, as CDK zips it).
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from venvs import tool_venv

ROOT = Path(__file__).resolve().parent.parent
PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(python: Path | str, module: str, cwd: Path) -> float:
    out = subprocess.run(
        [str(python), "-c", PROBE.format(module=module)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def asset_bytes() -> int:
    """The zipped asset as the stack builds it (guardrails.core.stage_runtime: the runtime
    package less byte code, emulator hooks and template readers, without docstrings)."""
    import tempfile

    from guardrails.core import stage_runtime

    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as staged:
        root = stage_runtime(Path(staged))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(root))
    return len(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    c7n = tool_venv("c7n", "c7n", "custodian") / "python"
    import tempfile

    from guardrails.core import stage_runtime

    staged = stage_runtime(Path(tempfile.mkdtemp(prefix="guardrails-asset-")))
    targets = {
        # name: (python, module, working directory)
        "import boto3 (project venv)": (sys.executable, "boto3", ROOT),
        "guardrails_runtime.handler": (
            sys.executable,
            "guardrails_runtime.handler",
            ROOT / "lambda_src",
        ),
        # The first event also reads the settings (the option declarations), discovers the
        # policy specs and imports its policy's fix.
        "handler + first event's set-up": (
            sys.executable,
            "guardrails_runtime.handler; from guardrails_runtime.settings import RuntimeSettings; "
            "RuntimeSettings.from_env(); from guardrails_runtime.remediations import by_event; "
            "by_event('ec2.amazonaws.com', 'AuthorizeSecurityGroupIngress')",
            ROOT / "lambda_src",
        ),
        # What Lambda imports: the staged asset, its modules in the archive (zipimport
        # compiles them on every cold start: Lambda's /var/task has no byte-code cache).
        "handler from the staged asset": (sys.executable, "guardrails_runtime.handler", staged),
        "import boto3 (c7n venv)": (c7n, "boto3", ROOT),
        "c7n.handler (Cloud Custodian)": (c7n, "c7n.handler", ROOT),
    }
    for python, module, cwd in targets.values():  # warm the byte-code caches
        import_seconds(python, module, cwd)
    runs: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(args.repeat):
        for name, (python, module, cwd) in targets.items():
            runs[name].append(import_seconds(python, module, cwd))
    medians = {name: statistics.median(times) for name, times in runs.items()}
    base = {
        "import boto3 (project venv)": "import boto3 (project venv)",
        "guardrails_runtime.handler": "import boto3 (project venv)",
        "handler + first event's set-up": "import boto3 (project venv)",
        "handler from the staged asset": "import boto3 (project venv)",
        "import boto3 (c7n venv)": "import boto3 (c7n venv)",
        "c7n.handler (Cloud Custodian)": "import boto3 (c7n venv)",
    }
    print(f"{'import':<34} {'median ms':>10}  {'x boto3':>8}")
    for name, seconds in medians.items():
        print(f"{name:<34} {seconds * 1000:>10.1f}  {seconds / medians[base[name]]:>7.2f}x")
    print(f"Lambda asset (the staged folder, zipped): {asset_bytes() / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
