"""ebs-encryption, prevent plane: volumes and the account default, per source
(CloudFormation, Terraform), compliant / violating / not applicable / unresolvable /
exempt."""

from __future__ import annotations

from typing import Any

import pytest
from prevent import EXEMPT_CFN, EXEMPT_TF, cfn, tf, tf_resource

from guardrails_runtime.model import PolicyOptions

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
        (volume(), {EBS1}),  # unset: encrypted only where the account default is on
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
        # Unset (computed by the provider): judged as CloudFormation judges it.
        (tf_resource("aws_ebs_volume.v", {}, {"encrypted": True}), None, {EBS1}),
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


UNSET_CFN = {"V": volume()}
UNSET_TF = tf_resource("aws_ebs_volume.v", {}, {"encrypted": True})
KEY_CFN = {"V": volume(KmsKeyId="alias/data")}
KEY_TF = tf_resource("aws_ebs_volume.v", {"kms_key_id": "alias/data"}, {"encrypted": True})


def messages(found: list[Any]) -> list[str]:
    return [f.message for f in found if f.policy == POLICY]


def test_unset_encryption_is_one_rule_in_both_formats() -> None:
    """Absent in the template and unset in the configuration: the same error, which says
    "absent" (not "is False") and how to accept it where the accounts encrypt by default."""
    from guardrails.scan import cloudformation, terraform
    from guardrails.scan.engine import evaluate

    template = {"Resources": UNSET_CFN}
    plan = {"format_version": "1.2", "resource_changes": [UNSET_TF]}
    cfn_text = messages(evaluate(cloudformation.subjects(template, "t.json")))
    tf_text = messages(evaluate(terraform.subjects(plan, "p.json")))
    assert cfn_text == [
        "Encrypted is absent: the volume is encrypted only where EBS encryption by default is "
        "on in its account and region (scan with --ebs-encrypted-by-default where the accounts "
        "enforce it) at Encrypted"
    ]
    assert tf_text == [cfn_text[0].replace("Encrypted", "encrypted")]
    assert "False" not in cfn_text[0]


def test_the_default_encryption_option_accepts_unset_but_not_false() -> None:
    option = PolicyOptions(ebs_encrypted_by_default=True)
    assert cfn(POLICY, UNSET_CFN, options=option) == set()
    assert tf(POLICY, UNSET_TF, options=option) == set()
    assert cfn(POLICY, {"V": volume(Encrypted=False)}, options=option) == {EBS1}
    assert tf(POLICY, tf_resource("aws_ebs_volume.v", {"encrypted": False}), options=option) == {
        EBS1
    }


def test_a_key_without_encrypted_is_its_own_error_in_any_account() -> None:
    from guardrails.scan import cloudformation
    from guardrails.scan.engine import evaluate

    option = PolicyOptions(ebs_encrypted_by_default=True)
    assert cfn(POLICY, KEY_CFN, options=option) == {EBS1}
    assert tf(POLICY, KEY_TF, options=option) == {EBS1}
    (text,) = messages(evaluate(cloudformation.subjects({"Resources": KEY_CFN}, "t.json")))
    assert text.startswith("KmsKeyId names a KMS key but Encrypted is absent")
    assert cfn(POLICY, {"V": volume(KmsKeyId="alias/data", Encrypted=True)}) == set()
