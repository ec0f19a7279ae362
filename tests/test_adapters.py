"""The resource adapters: one module per AWS type, the only readers of template and plan
resources, each returning typed facts that every plane's ``evaluate`` takes."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import guardrails_runtime.adapters.templates as package
from guardrails.scan import cloudformation, terraform
from guardrails.scan.engine import evaluate
from guardrails_runtime.adapters import templates as adapters
from guardrails_runtime.spec import specs

MODULES: list[ModuleType] = [
    importlib.import_module(f"{package.__name__}.{info.name}")
    for info in pkgutil.iter_modules(package.__path__)
]
RUNTIME = Path(package.__file__).parent.parent


def test_every_template_reader_has_its_runtime_half() -> None:
    """One adapter per type: ``adapters/<type>.py`` (facts, runtime readers, in the asset)
    beside ``adapters/templates/<type>.py`` (static readers, not in the asset). A type no
    template can misconfigure (a KMS key's deletion, a snapshot's sharing), or whose
    templates another adapter reads (a VPC's default group: the security-group rules that
    name it), has the runtime half only, read by some policy's fix."""
    static = {m.__name__.rsplit(".", 1)[-1] for m in MODULES}
    runtime = {p.stem for p in RUNTIME.glob("*.py") if p.stem != "__init__"}
    assert static <= runtime
    policies = RUNTIME.parent / "policies"
    for name in runtime - static:
        readers = [
            s
            for s in specs()
            if f"adapters.{name} " in (policies / s.module / "fix.py").read_text()
        ]
        assert readers, name


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_adapter_contract(module: ModuleType) -> None:
    assert isinstance(module.KIND, str) and module.KIND
    types = (*module.CLOUDFORMATION_TYPES, *module.TERRAFORM_TYPES)
    assert types, "an adapter reads at least one type"
    if module.CLOUDFORMATION_TYPES:
        assert callable(module.from_cloudformation)
    if module.TERRAFORM_TYPES:
        assert callable(module.from_terraform)
    for owned, attributes in module.OWNERS.items():
        # A configuring type names its owner, which is the adapter's own first type.
        assert owned in types and attributes
        assert owned not in (module.CLOUDFORMATION_TYPES[:1] + module.TERRAFORM_TYPES[:1])


def test_each_type_has_one_adapter_and_each_kind_one_module() -> None:
    seen: dict[str, str] = {}
    for module in MODULES:
        for kind in (*module.CLOUDFORMATION_TYPES, *module.TERRAFORM_TYPES):
            assert kind not in seen, f"{kind} read by {seen.get(kind)} and {module.__name__}"
            seen[kind] = module.__name__
    kinds = [m.KIND for m in MODULES]
    assert len(kinds) == len(set(kinds))


@pytest.mark.parametrize("spec", [s for s in specs() if s.kinds], ids=lambda s: s.id)
def test_spec_types_are_read_by_an_adapter_of_its_kinds(spec: object) -> None:
    kinds = set(spec.kinds)  # type: ignore[attr-defined]
    for kind in spec.cloudformation_types:  # type: ignore[attr-defined]
        adapter = adapters.for_cloudformation(kind)
        assert adapter is not None and adapter.KIND in kinds, kind
    for kind in spec.terraform_types:  # type: ignore[attr-defined]
        adapter = adapters.for_terraform(kind)
        assert adapter is not None and adapter.KIND in kinds, kind
    assert kinds <= {m.KIND for m in MODULES}


def test_facts_are_typed_values_not_dicts() -> None:
    template = {
        "Resources": {
            "G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g"}},
            "B": {"Type": "AWS::S3::Bucket"},
            "T": {"Type": "AWS::CloudTrail::Trail", "Properties": {"IsLogging": True}},
            "V": {"Type": "AWS::EC2::Volume", "Properties": {"Size": 1}},
            "D": {"Type": "AWS::RDS::DBInstance", "Properties": {}},
        }
    }
    found = cloudformation.subjects(template, "t.json")
    assert len(found) == 5
    for subject in found:
        assert isinstance(subject.facts, tuple) and hasattr(subject.facts, "_fields")


GROUP_REFERENCE = {
    "Parameters": {"Peer": {"Type": "String"}},
    "Resources": {
        "Other": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "o"}},
        "G": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "g",
                "SecurityGroupIngress": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 22,
                        "ToPort": 22,
                        "SourceSecurityGroupId": {"Fn::GetAtt": ["Other", "GroupId"]},
                    },
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 22,
                        "ToPort": 22,
                        "SourceSecurityGroupId": {"Ref": "Peer"},
                    },
                ],
            },
        },
    },
}


def test_unresolved_group_references_never_warn() -> None:
    """A group reference is never world-open, whatever it resolves to: no finding at all."""
    assert evaluate(cloudformation.subjects(GROUP_REFERENCE, "t.json")) == []
    # The same rule with an unresolved CIDR could be world-open: a warning.
    rule = GROUP_REFERENCE["Resources"]["G"]["Properties"]["SecurityGroupIngress"][1]  # type: ignore[index]
    cidr = {**GROUP_REFERENCE, "Resources": {**GROUP_REFERENCE["Resources"]}}  # type: ignore[dict-item]
    cidr["Resources"]["G"] = {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {
            "GroupDescription": "g",
            "SecurityGroupIngress": [
                {k: v for k, v in rule.items() if k != "SourceSecurityGroupId"}
                | {"CidrIp": {"Ref": "Peer"}}
            ],
        },
    }
    assert [f.rule for f in evaluate(cloudformation.subjects(cidr, "t.json"))] == ["GR-SG2"]


def test_terraform_configuring_resources_take_their_owners_tags() -> None:
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_s3_bucket.b",
                "type": "aws_s3_bucket",
                "change": {
                    "actions": ["create"],
                    "after": {"bucket": "b1", "tags": {"SecurityExemption": "true"}},
                    "after_unknown": {},
                },
            },
            {
                "address": "aws_s3_bucket_public_access_block.b",
                "type": "aws_s3_bucket_public_access_block",
                "change": {
                    "actions": ["create"],
                    "after": {"bucket": "b1", "block_public_acls": False},
                    "after_unknown": {},
                },
            },
        ],
    }
    [bucket, pab] = terraform.subjects(plan, "p.json")
    assert pab.tags == {"SecurityExemption": "true"} == bucket.tags
    [finding] = evaluate([pab])
    assert finding.rule == "GR-S3P1" and finding.level == "warning"  # exempt: visible, not failing
