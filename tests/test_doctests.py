"""The examples in the runtime's docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "guardrails_runtime.events",
    "guardrails_runtime.policies.sg_open_ingress.policy",
    "guardrails.settings",
    "guardrails_runtime.shell",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
