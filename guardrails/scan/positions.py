"""Where a finding's value is in its file: line and column, 1-based.

* A CloudFormation template (YAML with short tags, or JSON, which YAML reads too) is
  composed once into nodes that keep their marks; a finding's field path
  (``Resources.<id>.Properties.<location>``) is looked up, falling back to the deepest
  part of the path that exists (a value CloudFormation fills in points at its resource).
* A Terraform plan names no lines of the configuration: a finding points at its
  resource's ``"address"`` in the plan file (the first one, in ``planned_values``).

Files are read and composed once per scan, and only when they have findings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from guardrails.scan import cfn_yaml
from guardrails.scan.cloudformation import read_text
from guardrails.scan.errors import ScanInputError

Path_ = tuple[str | int, ...]
Position = tuple[int, int]

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_path(location: str) -> Path_:
    """``SecurityGroupIngress[0].CidrIp`` -> ``("SecurityGroupIngress", 0, "CidrIp")``."""
    return tuple(
        int(index) if index else name for name, index in _STEP.findall(location) if name or index
    )


def template_positions(text: str) -> dict[Path_, Position]:
    """Every mapping key's and sequence item's position, by its path from the root."""
    try:
        root = cfn_yaml.compose(text)
    except yaml.YAMLError:
        return {}
    out: dict[Path_, Position] = {}
    stack: list[tuple[yaml.Node, Path_]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                step = (*path, str(key.value))
                out[step] = (key.start_mark.line + 1, key.start_mark.column + 1)
                stack.append((value, step))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                step = (*path, index)
                out[step] = (item.start_mark.line + 1, item.start_mark.column + 1)
                stack.append((item, step))
    return out


def nearest(positions: dict[Path_, Position], path: Path_) -> Position | None:
    """The position of ``path``, or of its deepest part that exists."""
    for end in range(len(path), 0, -1):
        found = positions.get(path[:end])
        if found is not None:
            return found
    return None


_ADDRESS = re.compile(r'"address"\s*:\s*("(?:[^"\\]|\\.)*")')


def plan_positions(text: str, wanted: set[str] | None = None) -> dict[str, Position]:
    """The first ``"address": "<address>"`` of each resource of a plan (pretty-printed or on
    one line), in one pass over the text: a 10,000-resource plan with a finding per
    resource must not be searched once per finding. With ``wanted``, the pass stops once
    every wanted address has been seen."""
    out: dict[str, Position] = {}
    missing = set(wanted) if wanted is not None else None
    line, last, line_start = 1, 0, 0
    for match in _ADDRESS.finditer(text):
        start = match.start()
        newlines = text.count("\n", last, start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", last, start) + 1
        last = start
        quoted = match.group(1)
        if "\\" in quoted:
            try:
                address = json.loads(quoted)
            except ValueError:
                continue
        else:
            address = quoted[1:-1]
        if isinstance(address, str) and address not in out:
            out[address] = (line, start - line_start + 1)
            if missing is not None:
                missing.discard(address)
                if not missing:
                    break
    return out


class Locator:
    """Positions of findings, per file, computed once and only for files with findings."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._templates: dict[str, dict[Path_, Position]] = {}
        self._plans: dict[str, dict[str, Position]] = {}

    def _text(self, file: str) -> str:
        if file not in self._texts:
            try:
                self._texts[file] = read_text(Path(file))
            except ScanInputError:
                self._texts[file] = ""
        return self._texts[file]

    def template(
        self, file: str, logical_id: str, location: str, origin: tuple[str | int, ...] = ()
    ) -> Position | None:
        """The position of ``location`` in resource ``logical_id``, or in the loop
        fragment that made it (``origin``, its path in the file)."""
        if file not in self._templates:
            self._templates[file] = template_positions(self._text(file))
        # No location: the finding is about the resource as a whole (what it lacks).
        properties = ("Properties", *field_path(location)) if location else ()
        resource = origin or ("Resources", logical_id)
        return nearest(self._templates[file], (*resource, *properties))

    def expect_plan(self, file: str, addresses: set[str]) -> None:
        """Locate these addresses of a plan in one pass (before :meth:`plan` asks)."""
        if file not in self._plans:
            self._plans[file] = plan_positions(self._text(file), addresses)

    def plan(self, file: str, address: str) -> Position | None:
        if file not in self._plans:
            self._plans[file] = plan_positions(self._text(file))
        return self._plans[file].get(address)
