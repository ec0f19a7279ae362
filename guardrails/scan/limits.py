"""Bounds on what a scanned document may cost: hostile input gets exit 2, quickly.

Two shapes make a small file expensive or crash its readers: YAML aliases that repeat
one subtree many times (660 bytes can stand for a billion values, or for a value that
contains itself), and nesting deeper than any real template (every reader of the
document, ours included, walks it recursively).

``check_aliases`` measures a YAML document in one pass over its distinct values: a value
an alias repeats is counted once per occurrence but visited once, so the check stays
linear in what was written. JSON cannot repeat a value, and walking a 10,000-resource
plan once more would cost 0.5 s, so JSON is not walked. Depth is bounded where it
matters, by the readers themselves: the JSON and YAML parsers and our resolver raise
``RecursionError`` a few hundred levels down, which :func:`too_deep` turns into the same
one-line refusal everywhere (a template 400 levels deep is still judged).
"""

from __future__ import annotations

from typing import Any

from guardrails.scan.errors import ScanInputError

MAX_EXPANDED = 1_000_000  # values after alias expansion; applies only where aliases repeat


def check_aliases(document: Any, file: str) -> None:
    """Raise :class:`ScanInputError` when a parsed YAML document holds itself (a recursive
    alias) or, where aliases repeat values, stands for more than ``MAX_EXPANDED``."""
    # Post-order walk without recursion. Per distinct container: the values it stands
    # for; 0 while it is being visited (met again below itself: a cycle).
    size: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(document, False)]
    written = 0  # values as written: each distinct container and its own scalars once
    while stack:
        value, done = stack.pop()
        kind = type(value)
        if kind is not dict and kind is not list:
            continue
        key = id(value)
        children = value.values() if kind is dict else value
        if not done:
            if key in size:
                continue
            size[key] = 0
            stack.append((value, True))
            stack.extend((c, False) for c in children if type(c) in _CONTAINERS)
            continue
        total = 1
        for child in children:
            if type(child) not in _CONTAINERS:
                total += 1
                continue
            if size[id(child)] == 0:
                raise ScanInputError(f"{file}: a value contains itself (a recursive YAML alias)")
            total += size[id(child)]
        size[key] = total
        written += 1 + len(value) - sum(type(c) in _CONTAINERS for c in children)
    expanded = size.get(id(document), 0)
    if expanded > MAX_EXPANDED and expanded > written:
        raise ScanInputError(
            f"{file}: too large after alias expansion ({expanded:,} values from {written:,} "
            f"written; the limit is {MAX_EXPANDED:,})"
        )


_CONTAINERS = (dict, list)


def too_deep(file: object) -> ScanInputError:
    """The refusal for a document nested deeper than its readers go (``RecursionError``)."""
    return ScanInputError(
        f"{file}: nested too deeply to evaluate (hundreds of levels; no template or plan does that)"
    )
