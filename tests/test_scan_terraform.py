"""Terraform plan JSON reader: resource changes, unknown values, child modules, linking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from guardrails.scan.engine import ScanOptions, evaluate, scan_path
from guardrails.scan.terraform import is_plan, subjects
from guardrails_runtime.model import PolicyOptions

TF = FIXTURES / "tf"


def table(path: Path, **options: Any) -> set[tuple[str, str, str]]:
    scan_options = ScanOptions(policy=PolicyOptions(**options)) if options else ScanOptions()
    return {
        (f.resource, f.rule, f.level)
        for f in scan_path(path, scan_options)
        # s3-ssl-only (every bucket without a TLS deny) has its own suite
        if f.policy != "s3-ssl-only"
    }


def test_security_group_plan() -> None:
    assert table(TF / "security-groups.plan.json") == {
        ("aws_security_group.web", "GR-SG1", "error"),  # 0.0.0.0/0 beside 10.0.0.0/8 on 22
        # linked through configuration references to an exempt group
        ("aws_security_group_rule.admin_rdp", "GR-SG1", "warning"),
        ("aws_security_group_rule.unknown_source", "GR-SG2", "warning"),
        ("aws_security_group.dynamic", "GR-SG2", "warning"),  # whole ingress unknown
        ("module.network.aws_vpc_security_group_ingress_rule.pg[0]", "GR-SG1", "error"),
    }
    # Compliant: the https block, the egress rule, the group reference, the "443" string
    # ports of module.network...https; aws_security_group.old is being deleted.


def test_unknown_value_message_names_the_attribute() -> None:
    [finding] = [
        f
        for f in scan_path(TF / "security-groups.plan.json")
        if f.resource == "aws_security_group_rule.unknown_source"
    ]
    assert finding.message == (
        "cidr_blocks is known only after apply (unknown in the plan) at cidr_blocks"
    )


def test_bucket_plan() -> None:
    assert table(TF / "buckets.plan.json") == {
        ("aws_s3_bucket_public_access_block.logs", "GR-S3P1", "error"),
        ("aws_s3_bucket_acl.site", "GR-S3P2", "warning"),  # linked by name to an exempt bucket
        ("aws_s3_bucket_acl.shared", "GR-S3P2", "error"),  # AuthenticatedUsers grant
        ("aws_s3_bucket_policy.site", "GR-S3P3", "warning"),
        ("aws_s3_bucket_policy.unknown", "GR-S3P4", "warning"),
    }


def test_require_kms_follows_links_into_child_modules() -> None:
    rows = {r for r in table(TF / "buckets.plan.json", require_kms=True) if r[1] == "GR-S3E1"}
    assert rows == {
        ("aws_s3_bucket.legacy", "GR-S3E1", "error"),  # inline AES256
        ("aws_s3_bucket_server_side_encryption_configuration.logs", "GR-S3E1", "error"),
        ("aws_s3_bucket.site", "GR-S3E1", "warning"),  # exempt
    }
    # aws_s3_bucket.logs and module.archive...this["eu"] have linked encryption resources
    # (found through references while `bucket` is unknown), so they are not "undeclared".


def test_encryption_shapes_terraform_cannot_write() -> None:
    """Hand-written (the provider refuses them at plan time): a rule list that is empty, an
    algorithm that is null, an inline algorithm that does not exist. None is encryption."""
    assert table(TF / "s3-malformed.plan.json") == {
        ("aws_s3_bucket_server_side_encryption_configuration.empty", "GR-S3E1", "error"),
        ("aws_s3_bucket_server_side_encryption_configuration.no_algorithm", "GR-S3E1", "error"),
        ("aws_s3_bucket.legacy", "GR-S3E1", "error"),  # inline AES128
    }


def test_old_format_with_planned_values_only() -> None:
    assert table(TF / "old-format.plan.json") == {
        ("aws_security_group.legacy", "GR-SG1", "error"),
        ("module.store.aws_s3_bucket.b", "GR-S3P2", "error"),
        ("module.store.module.inner.aws_security_group_rule.r", "GR-SG1", "error"),
    }


def test_plan_detection_and_empty_plan() -> None:
    assert is_plan({"format_version": "1.0", "planned_values": {}})
    assert not is_plan({"format_version": "1.0"})
    assert not is_plan({"Resources": {}})
    assert evaluate(subjects({"format_version": "1.2", "resource_changes": []}, "p.json")) == []


@pytest.mark.parametrize("version", ["0.1", "0.2", "1.0", "1.1", "1.2"])
def test_format_versions(tmp_path: Path, version: str) -> None:
    plan = json.loads((TF / "security-groups.plan.json").read_text())
    plan["format_version"] = version
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert ("aws_security_group.web", "GR-SG1", "error") in table(path)


def test_plan_positions_stop_early_without_moving_any_position() -> None:
    """The pass stops once every wanted address is found; what it found is where the full
    pass finds it (the first occurrence), including addresses with quoted keys."""
    from guardrails.scan.positions import plan_positions

    text = (TF / "s3-modules-for-each.plan.json").read_text()
    full = plan_positions(text)
    assert len(full) > 3
    wanted = set(list(full)[:2])
    assert any('"' in a for a in full), "the fixture has for_each keys"
    early = plan_positions(text, wanted)
    assert wanted <= set(early) and all(early[a] == full[a] for a in early)
    assert len(early) < len(full)


def test_real_plan_of_modules_with_count_and_for_each() -> None:
    """Planned by terraform from src/modules: findings name the module instance; the
    split S3 resources of each for_each instance link to their own bucket."""
    found = {(f.resource, f.rule, f.level) for f in scan_path(TF / "modules.plan.json")}
    assert found == {
        (
            'module.bucket["public"].aws_s3_bucket_public_access_block.this',
            "GR-S3P1",
            "error",
        ),
        ("module.web[1].aws_vpc_security_group_ingress_rule.world", "GR-SG1", "error"),
    }


def test_real_update_plan_of_existing_resources() -> None:
    """Planned by terraform from src/update with a prior state of ours: the updated group
    and access block are judged as they will be, the unchanged (no-op) volume as it is."""
    plan = json.loads((TF / "update.plan.json").read_text())
    actions = {r["address"]: r["change"]["actions"] for r in plan["resource_changes"]}
    assert actions == {
        "aws_ebs_volume.data": ["no-op"],
        "aws_s3_bucket_public_access_block.logs": ["update"],
        "aws_security_group.web": ["update"],
    }
    found = {(f.resource, f.rule) for f in scan_path(TF / "update.plan.json")}
    assert found == {
        ("aws_ebs_volume.data", "GR-EBS1"),
        ("aws_s3_bucket_public_access_block.logs", "GR-S3P1"),
        ("aws_security_group.web", "GR-SG1"),
    }


def test_real_plan_that_deletes_and_replaces() -> None:
    """Planned by terraform from src/replace-and-delete with a prior state of ours: the
    world-open group being deleted is not judged, the replaced bucket is (as created)."""
    plan = json.loads((TF / "replace-and-delete.plan.json").read_text())
    actions = {r["address"]: r["change"]["actions"] for r in plan["resource_changes"]}
    assert actions["aws_security_group.gone"] == ["delete"]
    assert actions["aws_s3_bucket.replaced"] == ["delete", "create"]
    found = {(f.resource, f.rule) for f in scan_path(TF / "replace-and-delete.plan.json")}
    assert found == {
        ("aws_s3_bucket.replaced", "GR-S3T1"),
        ("aws_s3_bucket_acl.replaced", "GR-S3P2"),
    }
