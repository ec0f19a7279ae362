"""ebs-encryption, prevent plane: volumes and the account default, per source
(CloudFormation, Terraform), compliant / violating / not applicable / unresolvable /
exempt."""

from __future__ import annotations

from typing import Any

import pytest
from prevent import EXEMPT_CFN, EXEMPT_TF, cfn, tf, tf_resource

POLICY = "ebs-encryption"
EBS1, EBS1_EXEMPT, EBS2 = ("GR-EBS1", "error"), ("GR-EBS1", "warning"), ("GR-EBS2", "warning")


def volume(**properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::EC2::Volume", "Properties": {"Size": 8, **properties}}


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (volume(Encrypted=True), set()),
        (volume(Encrypted="true"), set()),
        (volume(Encrypted=False), {EBS1}),
        (volume(), {EBS1}),  # the template does not say: judged unencrypted
        (volume(Encrypted={"Ref": "NoDefault"}), {EBS2}),
        (volume(Encrypted={"Ref": "DefaultTrue"}), set()),
        (volume(Encrypted=False, Tags=EXEMPT_CFN), {EBS1_EXEMPT}),
        ({"Type": "AWS::EC2::Instance", "Properties": {"ImageId": "ami-1"}}, set()),
    ],
)
def test_cloudformation(resource: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert cfn(POLICY, {"V": resource}) == expected


@pytest.mark.parametrize(
    ("change", "configuration", "expected"),
    [
        (tf_resource("aws_ebs_volume.v", {"encrypted": True}), None, set()),
        (tf_resource("aws_ebs_volume.v", {"encrypted": False}), None, {EBS1}),
        # Computed by the provider (the account default decides): not judged.
        (tf_resource("aws_ebs_volume.v", {}, {"encrypted": True}), None, set()),
        # Set in the configuration from a value unknown at plan time: could be false.
        (
            tf_resource("aws_ebs_volume.v", {}, {"encrypted": True}),
            [{"address": "aws_ebs_volume.v", "expressions": {"encrypted": {"references": []}}}],
            {EBS2},
        ),
        (
            tf_resource("aws_ebs_volume.v", {"encrypted": False, "tags": EXEMPT_TF}),
            None,
            {EBS1_EXEMPT},
        ),
        (tf_resource("aws_ebs_encryption_by_default.d", {}), None, set()),  # defaults to true
        (tf_resource("aws_ebs_encryption_by_default.d", {"enabled": False}), None, {EBS1}),
        (
            tf_resource("aws_ebs_encryption_by_default.d", {}, {"enabled": True}),
            None,
            {EBS2},
        ),
        (tf_resource("aws_instance.i", {"ami": "ami-1"}), None, set()),
    ],
)
def test_terraform(
    change: dict[str, Any], configuration: list[dict[str, Any]] | None, expected: set[Any]
) -> None:
    assert tf(POLICY, change, configuration=configuration) == expected
