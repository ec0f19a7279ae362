"""Spec of ``s3-ssl-only``: buckets refuse requests without TLS (FSBP S3.5)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "s3-ssl-only"

SPEC = PolicySpec(
    id=POLICY,
    title="Buckets refuse plain HTTP",
    summary="Every bucket policy denies requests made without TLS (aws:SecureTransport "
    "false), so data and credentials never cross the network in clear.",
    rules=(
        RuleInfo(
            id="GR-S3T1",
            policy=POLICY,
            level="error",
            info="Bucket policy does not deny requests without TLS.",
            explanation=(
                "Without the deny, a client (or a downgrade) can read and write objects over "
                "plain HTTP, in clear on the network."
            ),
            fix="Add a Deny for s3:* to principal * with Bool aws:SecureTransport false "
            "(CDK: enforce_ssl=True).",
        ),
        RuleInfo(
            id="GR-S3T2",
            policy=POLICY,
            level="warning",
            info="Whether the bucket denies plain HTTP could not be evaluated: a policy "
            "statement is unresolved.",
            explanation="An unresolved statement may or may not be the deny.",
            fix="Write the TLS deny with literal values.",
            planes=("prevent",),
        ),
    ),
    options=(),
    kinds=("bucket",),
    cloudformation_types=("AWS::S3::Bucket", "AWS::S3::BucketPolicy"),
    terraform_types=("aws_s3_bucket", "aws_s3_bucket_policy"),
    triggers=(
        Trigger("s3.amazonaws.com", ("DeleteBucketPolicy",)),
        # Owned by s3-public-access: delivered once, judged by both.
        Trigger("s3.amazonaws.com", ("PutBucketPolicy",), shared=True),
    ),
    config_rules=(
        ConfigRule(
            "S3_BUCKET_SSL_REQUESTS_ONLY",
            "s3-ssl-only",
            "buckets deny requests without TLS",
            scope=("AWS::S3::Bucket",),
        ),
    ),
    fix=Fix(
        "S3SslOnlyRemediation",
        iam=(
            IamGrant(
                ("s3:GetBucketPolicy", "s3:GetBucketTagging", "s3:PutBucketPolicy"),
                "arn:{partition}:s3:::*",
                "re-read a bucket's policy and tags, and add the statement that denies "
                "requests without TLS",
            ),
        ),
        undo=(
            Undo(
                "s3",
                "put_bucket_policy",
                "Bucket",
                read="get_bucket_policy",
                path="Policy",
            ),
            Undo("s3", "delete_bucket_policy", "Bucket"),
        ),
        config_resource_types=("AWS::S3::Bucket",),
        opt_in=True,
    ),
    construct="S3SslOnlyGuardrail",
    construct_doc="""Reports buckets whose policy stops denying plain HTTP; adds the deny only
    where this policy's own mode is remediate.

    * react: successful ``DeleteBucketPolicy`` and ``PutBucketPolicy`` calls invoke the
      remediation Lambda, which re-reads the bucket policy; with ``policyModes`` set to
      remediate for ``s3-ssl-only`` it adds the deny statement (``PutBucketPolicy``),
      otherwise it notifies;
    * detect: AWS Config ``S3_BUCKET_SSL_REQUESTS_ONLY``, NON_COMPLIANT routed to the same
      Lambda;
    * prevent: buckets in templates and plans without a policy that denies plain HTTP.
    """,
    docs="""\
**Opt-in fix.** Under a global `mode: remediate` this policy notifies: a client that still
uses HTTP (old SDKs, `http://` website endpoints) breaks once the deny is in place. With
`policyModes: {"s3-ssl-only": "remediate"}` the fix appends one statement (Sid
`GuardrailsDenyInsecureTransport`: Deny, principal `*`, `s3:*` on the bucket and its
objects, `Bool aws:SecureTransport false`) and keeps every other statement. Undo puts the
previous policy back (refused when the policy changed since, `--force` to override), or
deletes the policy when the bucket had none.

`PutBucketPolicy` is owned by `s3-public-access`: one EventBridge rule sends it and the
Lambda hands it to both policies (this policy's ledger entry is keyed
`<event id>#s3-ssl-only`).

Templates and plans: a bucket is judged with the bucket policy of the same file that
names it (`AWS::S3::BucketPolicy`, `aws_s3_bucket_policy`, or a legacy inline `policy`); a
bucket without one fails. A policy for a bucket outside the file is not judged (the bucket
is not there).

Tags: the exemption tag on the bucket (`GetBucketTagging`).
""",
)
