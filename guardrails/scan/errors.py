"""The one error the static plane raises for unusable input."""

from __future__ import annotations


class ScanInputError(ValueError):
    """Input that cannot be scanned; the message is one line and names the file."""
