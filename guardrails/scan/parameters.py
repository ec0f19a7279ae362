"""Parameter values given to ``guardrails scan`` (``--parameter``, ``--parameters-file``).

A template is judged with its parameters' defaults unless a value is given, as it is
deployed per environment. A value is ``KEY=VALUE`` for every template, or
``STACK:KEY=VALUE`` (the ``cdk deploy --parameters`` form) for one stack: a cdk.out
stack's artifact id or stack name, or a template file's name without ``.template.json``,
``.json``, ``.yaml`` or ``.yml``.

A parameters file holds any of the forms these tools write or read:

* ``[{"ParameterKey": "K", "ParameterValue": "V"}, ...]`` (the CloudFormation API and
  ``aws cloudformation create-stack --parameters file://...``); an entry with
  ``UsePreviousValue`` and no value makes that parameter unknown;
* ``{"Parameters": {"K": "V"}}`` (a CodePipeline template configuration file);
* ``{"K": "V"}``;
* ``["K=V", "Stack:K=V"]``, or text with one such entry per line (``#`` comments).

A key that no scanned template declares is reported (exit 2): a misspelt parameter must
not leave the default silently in force.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guardrails.scan.errors import ScanInputError

PREVIOUS = object()  # UsePreviousValue: known only to the deployed stack


@dataclass
class Parameters:
    """Given values by (stack or None, key); ``declared`` collects every key a scanned
    template declares, so that unused ones can be reported."""

    values: dict[tuple[str | None, str], Any] = field(default_factory=dict)
    declared: set[str] = field(default_factory=set)

    def add(self, entry: str, source: str) -> None:
        """Add ``KEY=VALUE`` or ``STACK:KEY=VALUE``; ``source`` names where it came from."""
        name, equals, value = entry.partition("=")
        stack, colon, key = name.partition(":")
        if not colon:
            stack, key = "", name
        if not equals or not key.strip():
            raise ScanInputError(f"{source}: {entry!r} is not KEY=VALUE or STACK:KEY=VALUE")
        self.set(key.strip(), value, stack.strip() or None)

    def set(self, key: str, value: Any, stack: str | None = None) -> None:
        """``key``'s value for one stack, or for every stack (None); :data:`PREVIOUS` for
        a value only the deployed stack knows."""
        self.values[(stack, key)] = value

    def for_stack(self, names: Iterable[str]) -> dict[str, Any]:
        """The values that apply to a stack known by any of ``names`` (its own first)."""
        wanted = set(names)
        out = {key: v for (stack, key), v in self.values.items() if stack is None}
        out.update({key: v for (stack, key), v in self.values.items() if stack in wanted})
        return out

    def unused(self) -> list[str]:
        """Given keys that no scanned template declares."""
        return sorted({key for _, key in self.values} - self.declared)


def read_file(path: Path, into: Parameters) -> None:
    """Add the values of a parameters file (see the module's documentation)."""
    from guardrails.scan.cloudformation import parse_json, read_text

    text = read_text(path)
    stripped = text.lstrip()
    if not stripped.startswith(("[", "{")):
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if line and not line.startswith("#"):
                into.add(line, f"{path}:{number}")
        return
    document = parse_json(text, path)
    if isinstance(document, Mapping) and isinstance(document.get("Parameters"), Mapping):
        document = document["Parameters"]
    if isinstance(document, Mapping):
        for key, value in document.items():
            into.set(str(key), _text(value, path, str(key)))
        return
    for i, entry in enumerate(document):  # a list: the text starts with "["
        if isinstance(entry, str):
            into.add(entry, f"{path}[{i}]")
        elif isinstance(entry, Mapping) and "ParameterKey" in entry:
            key = str(entry["ParameterKey"])
            if "ParameterValue" in entry:
                into.set(key, _text(entry["ParameterValue"], path, key))
            elif entry.get("UsePreviousValue") is True:
                into.set(key, PREVIOUS)
            else:
                raise ScanInputError(
                    f"{path}[{i}]: {key} has neither ParameterValue nor UsePreviousValue"
                )
        else:
            raise ScanInputError(
                f'{path}[{i}]: expected {{"ParameterKey", "ParameterValue"}} or "KEY=VALUE"'
            )


def _text(value: Any, path: Path, key: str) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, Mapping) or value is None:
        raise ScanInputError(f"{path}: parameter {key} must be text, not {value!r}")
    return str(value).lower() if isinstance(value, bool) else str(value)


def stack_names(path: Path) -> list[str]:
    """The names a template file answers to as a stack (its file name without suffixes)."""
    name = path.name
    for suffix in (".template.json", ".json", ".yaml", ".yml", ".template"):
        if name.endswith(suffix):
            return [name[: -len(suffix)]]
    return [name]
