"""Mutations of recorded events for the fuzz tests (Hypothesis strategies): keys removed,
values nulled or replaced by other types, extra keys, odd key casing, huge lists."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["", "0.0.0.0/0", "::/0", "-1", "22", "tcp", "{}"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out.extend(paths(child, (*prefix, i)))
    return out


def parent_of(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@st.composite
def mutants(draw: Any, base: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        candidates = [p for p in paths(doc) if p]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent, key = parent_of(doc, path), path[-1]
        op = draw(st.sampled_from(["delete", "junk", "extra", "case", "huge", "wrap"]))
        if op == "delete" and isinstance(parent, dict):
            del parent[key]
        elif op == "junk":
            parent[key] = draw(JUNK)
        elif op == "extra" and isinstance(parent[key], dict):
            parent[key][draw(st.text(min_size=1, max_size=8))] = draw(JUNK)
        elif op == "case" and isinstance(parent, dict) and isinstance(key, str):
            parent[key.upper() if draw(st.booleans()) else key.lower()] = parent.pop(key)
        elif op == "huge":
            parent[key] = [copy.deepcopy(parent[key]) for _ in range(draw(st.integers(50, 400)))]
        elif op == "wrap":
            parent[key] = {"items": parent[key]} if draw(st.booleans()) else [parent[key]]
    return doc
