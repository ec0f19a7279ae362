"""The Rego policies equal the Python policies on every Terraform plan fixture.

Both engines run on the same plan with the same parameters; the (policy, rule, level,
resource address) sets must be identical. The Rego engine is regopy (rego-cpp), the
embedded Rego v1 interpreter from PyPI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from guardrails.cli import main
from guardrails.rego_engine import evaluate, export, module_name, sources
from guardrails.scan.engine import ScanOptions, scan_path
from guardrails_runtime.model import PolicyOptions
from guardrails_runtime.policies.registry import static_policies
from guardrails_runtime.spec import specs

PLANS = sorted((FIXTURES / "tf").glob("*.plan.json"))
PARAMS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "require-kms": {"require_kms": True, "ebs_encrypted_by_default": True},
    "ports-and-tag": {
        "allowed_public_ports": [22, 443, 8080],
        "exemption_tag_key": "Purpose",
        "exemption_tag_value": "Website",
    },
}


def python_findings(path: Path, params: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    options = ScanOptions(
        policy=PolicyOptions(
            allowed_public_ports=frozenset(params.get("allowed_public_ports", [80, 443])),
            require_kms=params.get("require_kms", False),
            ebs_encrypted_by_default=params.get("ebs_encrypted_by_default", False),
        ),
        exemption_tag_key=params.get("exemption_tag_key", "SecurityExemption"),
        exemption_tag_value=params.get("exemption_tag_value", "true"),
    )
    return {(f.policy, f.rule, f.level, f.resource) for f in scan_path(path, options)}


def rego_findings(path: Path, params: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (f["policy"], f["rule"], f["level"], f["resource"])
        for f in evaluate(path.read_text(), params)
    }


def test_there_are_enough_fixtures() -> None:
    assert len(PLANS) >= 20


@pytest.mark.parametrize("params_name", sorted(PARAMS))
@pytest.mark.parametrize("plan", PLANS, ids=[p.name.removesuffix(".plan.json") for p in PLANS])
def test_rego_equals_python(plan: Path, params_name: str) -> None:
    params = PARAMS[params_name]
    assert rego_findings(plan, params) == python_findings(plan, params)


def test_fixtures_cover_every_policy_rule_and_a_clean_plan() -> None:
    seen: set[str] = set()
    clean = []
    for plan in PLANS:
        found = python_findings(plan, {}) | python_findings(plan, {"require_kms": True})
        seen |= {rule for _, rule, _, _ in found}
        if not python_findings(plan, {}):
            clean.append(plan.name)
    assert seen == {
        rule.id for policy in static_policies() for rule in policy.RULES if rule.prevent
    }
    assert len(clean) >= 2  # compliant plans: nothing reported by either engine


def test_messages_name_the_address_and_the_fix() -> None:
    [finding] = [
        f
        for f in evaluate((FIXTURES / "tf" / "sg-ports.plan.json").read_text())
        if f["resource"] == "aws_security_group.inverted"
    ]
    assert finding["message"].startswith("aws_security_group.inverted: tcp 80-443 from 0.0.0.0/0 ")
    assert "Fix: restrict the source" in finding["message"]


def test_deny_and_warn_sets_for_conftest() -> None:
    from regopy import Interpreter

    rego = Interpreter()
    for name, text in sources().items():
        rego.add_module(name, text)
    rego.set_input_term((FIXTURES / "tf" / "tags-and-exemptions.plan.json").read_text())
    deny = json.loads(str(rego.query("[m | some m in data.guardrails.sg_open_ingress.deny]")))
    warn = json.loads(str(rego.query("[m | some m in data.guardrails.sg_open_ingress.warn]")))
    assert sorted(m.split(":")[0] for m in deny["expressions"][0]) == [
        "aws_security_group.tags_unknown",
        "aws_security_group.wrong_value",
    ]
    assert [m.split(":")[0] for m in warn["expressions"][0]] == [
        "aws_security_group.default_tagged"
    ]


def test_every_policy_has_a_rego_file() -> None:
    names = set(sources())
    for policy in static_policies():
        text = sources()[f"{module_name(policy.POLICY)}.rego"]
        assert f"package guardrails.{module_name(policy.POLICY)}" in text
        assert "import rego.v1" in text
        for rule in policy.RULES:
            assert (rule.id in text) is rule.prevent, rule.id
    assert "lib.rego" in names


def test_export_writes_policies_and_params(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rego", "export", str(tmp_path / "policy")]) == 0
    written = sorted(Path(p).name for p in capsys.readouterr().out.split())
    modules = [f"{s.module}.rego" for s in specs() if s.kinds]
    assert written == sorted([*modules, "lib.rego", "params.json"])
    assert "sg_open_ingress.rego" in written
    params = json.loads((tmp_path / "policy" / "params.json").read_text())
    assert params == {
        "guardrails": {
            "params": {
                "allowed_public_ports": [80, 443],
                "exemption_tag_key": "SecurityExemption",
                "exemption_tag_value": "true",
                "require_kms": False,
                "ebs_encrypted_by_default": False,
            }
        }
    }
    # The exported files are the packaged ones, and they load in a fresh engine.
    from regopy import Interpreter

    rego = Interpreter()
    for path in sorted((tmp_path / "policy").glob("*.rego")):
        rego.add_module(path.name, path.read_text())
    assert export(tmp_path / "again")


PORT_CASES = [
    ("tcp", 22, 22),
    ("tcp", 443, 80),
    ("tcp", 8080, 8080),
    ("tcp", 0, 65535),
    ("tcp", 70000, 5),
    ("udp", 443, 443),
    ("6", 80, 80),
    ("-1", None, None),
    ("icmp", -1, -1),
    ("tcp", -1, -1),
    ("tcp", None, 443),
    ("TCP", 80, 443),
]


@pytest.mark.parametrize("allowed", [[80, 443], [22, 443, 8080], []])
def test_port_logic_is_the_same(allowed: list[int]) -> None:
    from regopy import Interpreter

    from guardrails_runtime.model import IngressEntry, SourceKind
    from guardrails_runtime.policies.sg_open_ingress.policy import covers_disallowed_port

    rego = Interpreter()
    for name, text in sources().items():
        rego.add_module(name, text)
    rego.add_data_json(json.dumps({"guardrails": {"params": {"allowed_public_ports": allowed}}}))
    rego.set_input_term("{}")
    for protocol, lo, hi in PORT_CASES:
        query = (
            f"data.guardrails.sg_open_ingress.covers_disallowed({json.dumps(protocol)}, "
            f"{json.dumps(lo)}, {json.dumps(hi)})"
        )
        text = str(rego.query(query))  # "undefined" when the rule does not hold
        in_rego = text != "undefined" and json.loads(text)["expressions"] == [True]
        entry = IngressEntry(protocol, lo, hi, "0.0.0.0/0", SourceKind.IPV4)
        assert in_rego is covers_disallowed_port(entry, allowed), (protocol, lo, hi)


def test_all_four_flags_off_is_one_finding_in_both_engines(tmp_path: Path) -> None:
    flags = [
        "block_public_acls",
        "ignore_public_acls",
        "block_public_policy",
        "restrict_public_buckets",
    ]
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_s3_bucket_public_access_block.open",
                "mode": "managed",
                "type": "aws_s3_bucket_public_access_block",
                "name": "open",
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": {"bucket": "site", **dict.fromkeys(flags, False)},
                    "after_unknown": {},
                },
            }
        ],
    }
    rego = [f for f in evaluate(plan) if f["rule"] == "GR-S3P1"]
    assert len(rego) == 1
    assert all(flag in rego[0]["message"] for flag in flags)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    python = [f for f in scan_path(path) if f.rule == "GR-S3P1"]
    assert len(python) == 1
    # The Python scanner names the flags as the API does; the Rego copy as Terraform does.
    for flag in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublic"):
        assert f"{flag}" in python[0].message


def test_rego_defaults_are_the_declared_defaults() -> None:
    """params.json comes from the settings declarations; lib.rego's own defaults agree."""
    import re

    from guardrails.rego_engine import DEFAULT_PARAMS
    from guardrails.settings import GuardrailSettings

    settings = GuardrailSettings()
    assert {
        "allowed_public_ports": sorted(settings.allowed_public_ports),
        "exemption_tag_key": settings.exemption_tag_key,
        "exemption_tag_value": settings.exemption_tag_value,
        "require_kms": settings.require_kms,
        "ebs_encrypted_by_default": settings.ebs_encrypted_by_default,
    } == DEFAULT_PARAMS
    lib = (Path(__file__).resolve().parent.parent / "guardrails" / "rego" / "lib.rego").read_text()
    block = re.search(r"default_params := (\{.*?\n\})", lib, re.S)
    assert block is not None
    text = re.sub(r",\s*}", "}", block.group(1))
    assert json.loads(text) == DEFAULT_PARAMS
