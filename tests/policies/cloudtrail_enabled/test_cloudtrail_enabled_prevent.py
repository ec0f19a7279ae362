"""cloudtrail-enabled, prevent plane: per rule and per source (CloudFormation, Terraform),
compliant / violating / not applicable / unresolvable / exempt. GR-CT3 (a trail narrowed
to one region or to no management events) is judged on the change only: a template that
declares a single-region trail is not reported for it."""

from __future__ import annotations

from typing import Any

import pytest
from prevent import EXEMPT_CFN, EXEMPT_TF, cfn, tf, tf_resource

POLICY = "cloudtrail-enabled"
CT1, CT1_EXEMPT, CT2 = ("GR-CT1", "error"), ("GR-CT1", "warning"), ("GR-CT2", "warning")
ON = {"IsLogging": True, "EnableLogFileValidation": True, "S3BucketName": "logs"}


def trail(**properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::CloudTrail::Trail", "Properties": {**ON, **properties}}


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (trail(), set()),
        (trail(IsMultiRegionTrail=False), set()),  # GR-CT3 is react only
        (
            trail(EventSelectors=[{"IncludeManagementEvents": False, "ReadWriteType": "All"}]),
            set(),
        ),
        (trail(IsLogging=False), {CT1}),
        (trail(IsLogging="false"), {CT1}),
        (trail(EnableLogFileValidation=False), {CT1}),
        ({"Type": "AWS::CloudTrail::Trail", "Properties": {"S3BucketName": "logs"}}, {CT1}),
        (trail(IsLogging={"Ref": "NoDefault"}), {CT2}),
        (trail(IsLogging={"Ref": "DefaultTrue"}), set()),
        (trail(IsLogging={"Ref": "DefaultFalse"}), {CT1}),
        (trail(IsLogging=False, Tags=EXEMPT_CFN), {CT1_EXEMPT}),
        ({"Type": "AWS::CloudTrail::EventDataStore", "Properties": {}}, set()),
    ],
)
def test_cloudformation(resource: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert cfn(POLICY, {"T": resource}) == expected


@pytest.mark.parametrize(
    ("values", "unknown", "expected"),
    [
        ({"enable_log_file_validation": True}, None, set()),  # enable_logging defaults to true
        ({"enable_log_file_validation": True, "is_multi_region_trail": False}, None, set()),
        ({}, None, {CT1}),  # validation defaults to false
        ({"enable_log_file_validation": True, "enable_logging": False}, None, {CT1}),
        ({"enable_log_file_validation": None}, {"enable_log_file_validation": True}, {CT2}),
        ({"enable_logging": False, "tags": EXEMPT_TF}, None, {CT1_EXEMPT}),
    ],
)
def test_terraform(
    values: dict[str, Any], unknown: dict[str, Any] | None, expected: set[tuple[str, str]]
) -> None:
    assert tf(POLICY, tf_resource("aws_cloudtrail.t", values, unknown)) == expected
