"""Helpers of the per-policy prevent suites (``tests/policies/<id>/test_<id>_prevent.py``).

Each suite states, per rule and per source (CloudFormation, Terraform plan), a compliant,
a violating, a not-applicable, an unresolvable and an exempt case, as one table: the
resource, and the ``(rule, level)`` pairs its policy must report, no more and no less.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from guardrails.scan import cloudformation, terraform
from guardrails.scan.engine import ScanOptions, evaluate
from guardrails_runtime.model import PolicyOptions

Found = set[tuple[str, str]]
PARAMETERS = {
    "NoDefault": {"Type": "String"},
    "DefaultTrue": {"Type": "String", "Default": "true"},
    "DefaultFalse": {"Type": "String", "Default": "false"},
}


def cfn(
    policy: str,
    resources: dict[str, Any],
    *,
    options: PolicyOptions | None = None,
    **template: Any,
) -> Found:
    """``(rule, level)`` of ``policy`` for a template of ``resources`` (logical id -> body)."""
    document = {"Parameters": PARAMETERS, "Resources": resources, **template}
    scan = ScanOptions(policy=options or PolicyOptions())
    return {
        (f.rule, f.level)
        for f in evaluate(cloudformation.subjects(document, "t.json"), scan)
        if f.policy == policy
    }


def tf_resource(
    address: str, values: dict[str, Any], unknown: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One ``resource_changes`` entry (``type.name`` address) that creates ``values``."""
    return {
        "address": address,
        "mode": "managed",
        "type": address.split(".", maxsplit=1)[0],
        "name": address.split(".")[1],
        "change": {"actions": ["create"], "after": values, "after_unknown": unknown or {}},
    }


def tf(
    policy: str,
    *changes: dict[str, Any],
    configuration: dict[str, Any] | None = None,
    options: PolicyOptions | None = None,
) -> Found:
    """``(rule, level)`` of ``policy`` for a plan of ``changes`` (see :func:`tf_resource`)."""
    plan: dict[str, Any] = {"format_version": "1.2", "resource_changes": list(changes)}
    if configuration is not None:
        plan["configuration"] = {"root_module": {"resources": configuration}}
    scan = ScanOptions(policy=options or PolicyOptions())
    return {
        (f.rule, f.level)
        for f in evaluate(terraform.subjects(plan, "p.json"), scan)
        if f.policy == policy
    }


EXEMPT_CFN = [{"Key": "SecurityExemption", "Value": "true"}]
EXEMPT_TF = {"SecurityExemption": "true"}


def plan_rows(path: Path, policy: str) -> set[tuple[str, str, str]]:
    """``(resource, rule, level)`` of ``policy`` for a plan (or template) file."""
    from guardrails.scan.engine import scan_path

    return {(f.resource, f.rule, f.level) for f in scan_path(path) if f.policy == policy}


def rego_rows(path: Path, policy: str) -> set[tuple[str, str, str]]:
    """The same rows from the policy's Rego copy (skipped where regopy is not installed);
    never empty, so an agreement on nothing proves nothing."""
    import json

    import pytest

    pytest.importorskip("regopy")
    from guardrails.rego_engine import evaluate as rego

    rows = {
        (f["resource"], f["rule"], f["level"])
        for f in rego(json.loads(path.read_text()))
        if f["policy"] == policy
    }
    assert rows, f"the Rego copy of {policy} found nothing in {path.name}"
    return rows
