"""Repository exemptions for ``guardrails scan``: ``.guardrails.yaml``.

::

    exemptions:
      - rule: GR-SG1                  # a rule id of the catalog (guardrails rules)
        resource: "Bastion*"          # fnmatch pattern on the finding's resource
        file: "templates/*.yaml"      # optional: fnmatch pattern on the file (relative path)
        reason: jump host for the on-call, ticket SEC-142
        owner: platform-team
        expires: 2027-03-31           # ISO date; the exemption counts up to that day

Every field but ``file`` is required: an exemption without an owner or an end date is how
suppressions pile up. A finding an exemption matches is *suppressed*: it does not fail the
scan, the text, JSON, JUnit-failure and GitHub outputs leave it out, and SARIF keeps it
with a ``suppressions`` entry carrying the justification (code scanning shows it as
dismissed). An expired exemption suppresses nothing, and the finding says it expired. An
exemption that matched nothing is reported as unused (``--fail-on-unused`` fails the scan).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from guardrails_runtime.spec import specs

DEFAULT_FILE = ".guardrails.yaml"
_FIELDS = ("rule", "resource", "file", "reason", "owner", "expires")
_REQUIRED = ("rule", "resource", "reason", "owner", "expires")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class ExemptionFileError(ValueError):
    """A ``.guardrails.yaml`` that cannot be used; the one-line message names the file,
    the entry and the field."""


@dataclass
class RepoExemption:
    """One entry of the file; ``used`` counts the findings it suppressed or would have."""

    index: int
    rule: str
    resource: str
    reason: str
    owner: str
    expires: date
    file: str = ""
    used: int = field(default=0, compare=False)

    def matches(self, rule: str, resource: str, relative_file: str) -> bool:
        return (
            rule == self.rule
            and fnmatch.fnmatchcase(resource, self.resource)
            and (not self.file or fnmatch.fnmatchcase(relative_file, self.file))
        )

    def label(self) -> str:
        return f"#{self.index + 1} ({self.rule} {self.resource})"

    def justification(self) -> str:
        return f"{self.reason} (owner {self.owner}, until {self.expires.isoformat()})"


def load(path: Path) -> list[RepoExemption]:
    """The exemptions of ``path``; ExemptionFileError (one line) when it cannot be used."""
    from guardrails.scan import limits
    from guardrails.scan.cloudformation import read_text
    from guardrails.scan.errors import ScanInputError

    if not path.exists():
        raise ExemptionFileError(f"{path}: no such exemption file")
    try:
        # A pull request can change this file: read it as hostile as a template.
        document = yaml.safe_load(read_text(path))
        limits.check_aliases(document, str(path))
    except ScanInputError as exc:
        raise ExemptionFileError(str(exc)) from exc
    except RecursionError as exc:
        raise ExemptionFileError(str(limits.too_deep(path))) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ExemptionFileError(f"{path}: not valid YAML{where}") from exc
    if document is None:
        return []
    entries = document.get("exemptions") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ExemptionFileError(f"{path}: expected a mapping with a list 'exemptions'")
    rules = {r.id for s in specs() for r in s.rules}
    return [_entry(path, i, entry, rules) for i, entry in enumerate(entries)]


def _entry(path: Path, index: int, entry: Any, rules: set[str]) -> RepoExemption:
    where = f"{path}: exemptions[{index}]"
    if not isinstance(entry, dict):
        raise ExemptionFileError(f"{where}: expected a mapping")
    unknown = sorted(set(map(str, entry)) - set(_FIELDS))
    if unknown:
        raise ExemptionFileError(
            f"{where}: unknown field {unknown[0]!r} (known: {', '.join(_FIELDS)})"
        )
    for name in _REQUIRED:
        value = entry.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ExemptionFileError(f"{where}.{name}: required")
    rule = str(entry["rule"]).strip()
    if rule not in rules:
        raise ExemptionFileError(f"{where}.rule: {rule!r} is not a rule of the catalog")
    expires = entry["expires"]
    if isinstance(expires, datetime):
        expires = expires.date()
    if not isinstance(expires, date):
        text = str(expires).strip()
        if not _ISO_DATE.match(text):
            raise ExemptionFileError(f"{where}.expires: {text!r} is not an ISO date (YYYY-MM-DD)")
        try:
            expires = date.fromisoformat(text)
        except ValueError as exc:
            raise ExemptionFileError(f"{where}.expires: {text!r} is not a date") from exc
    return RepoExemption(
        index=index,
        rule=rule,
        resource=str(entry["resource"]).strip(),
        reason=str(entry["reason"]).strip(),
        owner=str(entry["owner"]).strip(),
        expires=expires,
        file=str(entry.get("file") or "").strip(),
    )


def today() -> date:
    return datetime.now(UTC).date()
