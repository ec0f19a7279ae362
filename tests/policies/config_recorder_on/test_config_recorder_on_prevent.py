"""config-recorder-on, prevent plane: CloudFormation, a real Terraform plan and Rego."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import FIXTURES
from prevent import cfn, plan_rows, rego_rows

PLAN = FIXTURES / "tf" / "config-recorder.plan.json"
POLICY = "config-recorder-on"


def recorder(group: Any = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"RoleARN": "arn:aws:iam::123456789012:role/config"}
    if group is not None:
        properties["RecordingGroup"] = group
    return {"Type": "AWS::Config::ConfigurationRecorder", "Properties": properties}


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (None, set()),  # no group: every supported type
        ({"AllSupported": True, "IncludeGlobalResourceTypes": True}, set()),
        ({"AllSupported": False, "ResourceTypes": ["AWS::S3::Bucket"]}, set()),
        (
            {
                "AllSupported": False,
                "ExclusionByResourceTypes": {"ResourceTypes": ["AWS::EC2::Volume"]},
                "RecordingStrategy": {"UseOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
            },
            set(),
        ),
        ({"AllSupported": False, "ResourceTypes": []}, {("GR-CFG1", "error")}),
        ({"AllSupported": "false"}, {("GR-CFG1", "error")}),
        ({"AllSupported": {"Ref": "NoDefault"}}, {("GR-CFG2", "warning")}),
    ],
)
def test_cloudformation(group: Any, expected: set[tuple[str, str]]) -> None:
    assert cfn(POLICY, {"Recorder": recorder(group)}) == expected


def test_real_terraform_plan() -> None:
    """Planned by terraform from tests/fixtures/tf/src/config-recorder (see generate.py)."""
    assert plan_rows(PLAN, POLICY) == {
        ("aws_config_configuration_recorder.nothing", "GR-CFG1", "error"),
        ("aws_config_configuration_recorder_status.off", "GR-CFG1", "error"),
        ("aws_config_configuration_recorder_status.unknown", "GR-CFG2", "warning"),
    }


def test_rego_copy_agrees_with_python_on_the_real_plan() -> None:
    assert rego_rows(PLAN, POLICY) == plan_rows(PLAN, POLICY)
