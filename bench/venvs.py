"""Separate virtual environments for the tools we compare against (never in the project venv).

Each tool gets ``bench/.venvs/<name>`` (ignored by git), created and filled from the
package registry on first use.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VENVS = Path(__file__).resolve().parent / ".venvs"


def tool_venv(name: str, requirement: str, probe: str) -> Path:
    """The venv's bin folder, with ``requirement`` installed (``probe`` is a command in it)."""
    folder = VENVS / name
    binary = folder / "bin"
    if not (binary / probe).exists():
        print(f"installing {requirement} into {folder} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run(
            [
                str(binary / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                requirement,
            ],
            check=True,
        )
    return binary
