"""Spec of ``ssm-document-public``: no Systems Manager document shared publicly (FSBP SSM.4)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "ssm-document-public"

SPEC = PolicySpec(
    id=POLICY,
    title="No public SSM document",
    summary="No Systems Manager document owned by the account is shared with every AWS account.",
    rules=(
        RuleInfo(
            id="GR-SSM1",
            policy=POLICY,
            level="error",
            info="SSM document is public: every AWS account may read and run it.",
            explanation=(
                "Documents often embed scripts, internal host names, bucket names and "
                "sometimes credentials; a public one hands them to anyone."
            ),
            fix="Share the document with named accounts only, and turn on the account's "
            "'block public sharing' setting for documents.",
            planes=("detect", "react"),
        ),
    ),
    options=(),
    kinds=(),
    cloudformation_types=(),
    terraform_types=(),
    triggers=(Trigger("ssm.amazonaws.com", ("ModifyDocumentPermission",)),),
    config_rules=(
        ConfigRule(
            "SSM_DOCUMENT_NOT_PUBLIC",
            "ssm-document-public",
            "Systems Manager documents owned by the account are not public",
            scope=("AWS::SSM::Document",),
        ),
    ),
    fix=Fix(
        "SsmDocumentPublicRemediation",
        iam=(
            IamGrant(
                (
                    "ssm:DescribeDocumentPermission",
                    "ssm:ListTagsForResource",
                    "ssm:ModifyDocumentPermission",
                ),
                "arn:{partition}:ssm:{region}:{account}:document/*",
                "re-read a document's share permission and tags, and remove 'All' from it",
            ),
        ),
        undo=(Undo("ssm", "modify_document_permission", "Name"),),
        config_resource_types=("AWS::SSM::Document",),
    ),
    construct="SsmDocumentPublicGuardrail",
    construct_doc="""Stops sharing a Systems Manager document publicly, keeping named accounts.

    * react: a successful ``ModifyDocumentPermission`` invokes the remediation Lambda,
      which re-reads the share permission and removes ``All``
      (``AccountIdsToRemove=["All"]``);
    * detect: AWS Config ``SSM_DOCUMENT_NOT_PUBLIC`` (periodic), NON_COMPLIANT routed to
      the same Lambda.
    """,
    docs="""\
Only `All` is removed: accounts the document is shared with by id keep their permission.
Turning on the account-wide setting that blocks public sharing of documents
(`aws ssm update-service-setting --setting-id
/ssm/documents/console/public-sharing-permission --setting-value Disable`) prevents the
call altogether; the guardrail covers accounts where it is off.

Tags: the exemption tag on the document (`ListTagsForResource`).
""",
)
