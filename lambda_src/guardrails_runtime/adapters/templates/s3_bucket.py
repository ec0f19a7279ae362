"""Template and plan readers of the ``s3_bucket`` adapter.

The static plane only: left out of the Lambda asset. The facts and the runtime readers
are in :mod:`guardrails_runtime.adapters.s3_bucket`.
"""

from __future__ import annotations

from typing import Any

from guardrails_runtime.adapters import as_list, flag, mapping
from guardrails_runtime.adapters.s3_bucket import FLAGS, Bucket, Misplaced
from guardrails_runtime.adapters.templates import Source, declared_value, leaves, location
from guardrails_runtime.documents import Located, statements, tls_of
from guardrails_runtime.model import Unresolved

KIND = "bucket"


CLOUDFORMATION_TYPES = ("AWS::S3::Bucket", "AWS::S3::BucketPolicy")


TERRAFORM_TYPES = (
    "aws_s3_bucket",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_acl",
    "aws_s3_bucket_policy",
)


OWNERS = {
    "AWS::S3::BucketPolicy": ("Bucket",),
    **{t: ("bucket",) for t in TERRAFORM_TYPES[1:]},
}


TERRAFORM_FLAGS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


def from_cloudformation(source: Source) -> Bucket:
    if source.resource_type == "AWS::S3::BucketPolicy":
        return Bucket(policy=tuple(statements(source.get("PolicyDocument"), "PolicyDocument")))
    acl = source.get("AccessControl")
    return Bucket(
        declares_encryption=True,
        encryption=_cfn_encryption(source.get("BucketEncryption")),
        public_access_block=_cfn_flags(source.get("PublicAccessBlockConfiguration")),
        acl=None
        if acl is None
        else ("AccessControl", acl if isinstance(acl, Unresolved) else str(acl)),
        tls=False,  # until a policy of the same template says otherwise (gather)
    )


def _cfn_encryption(encryption: Any) -> tuple[Located, ...] | Unresolved | None:
    if encryption is None or isinstance(encryption, Unresolved):
        return encryption
    config = mapping(encryption).get("ServerSideEncryptionConfiguration")
    if isinstance(config, Unresolved):
        return config
    rules = "BucketEncryption.ServerSideEncryptionConfiguration"
    if config is None and "SSEAlgorithm" in mapping(encryption):
        where = f"{rules}[0].ServerSideEncryptionByDefault.SSEAlgorithm"
        return ((where, Misplaced("BucketEncryption.SSEAlgorithm", where)),)
    out: list[Located] = []
    for i, rule in enumerate(as_list(config)):
        where = f"{rules}[{i}].ServerSideEncryptionByDefault.SSEAlgorithm"
        default = mapping(rule).get("ServerSideEncryptionByDefault")
        algorithm = (
            default if isinstance(default, Unresolved) else mapping(default).get("SSEAlgorithm")
        )
        if algorithm is None and "SSEAlgorithm" in mapping(rule):
            algorithm = Misplaced(f"{rules}[{i}].SSEAlgorithm", where)
        elif algorithm is not None and not isinstance(algorithm, Unresolved):
            algorithm = str(algorithm)
        out.append((where, algorithm))  # None: the rule names no algorithm
    return tuple(out)


def _cfn_flags(pab: Any) -> tuple[tuple[str, str, Any], ...] | Unresolved | None:
    if pab is None or isinstance(pab, Unresolved):
        return pab
    return tuple(
        (name, f"PublicAccessBlockConfiguration.{name}", flag(mapping(pab).get(name)))
        for name in FLAGS
    )


def from_terraform(source: Source) -> Bucket:
    kind = source.resource_type
    if kind == "aws_s3_bucket_server_side_encryption_configuration":
        return Bucket(declares_encryption=True, encryption=_tf_encryption(source, ("rule",)))
    if kind == "aws_s3_bucket_public_access_block":
        # Terraform defaults every flag to false.
        return Bucket(
            public_access_block=tuple(
                (name, attr, _tf_bool(source.get(attr))) for attr, name in TERRAFORM_FLAGS.items()
            )
        )
    if kind == "aws_s3_bucket_acl":
        acl = source.get("acl")
        grants = leaves(source, ("access_control_policy", "*", "grant", "*", "grantee", "*", "uri"))
        if isinstance(acl, str) and acl:
            # The provider refuses acl beside access_control_policy: with a canned ACL
            # set, unknown grants are computed from it, not unknowns of the configuration.
            grants = [(at, g) for at, g in grants if not isinstance(g, Unresolved)]
        return Bucket(acl=None if acl is None else ("acl", acl), grants=tuple(grants))
    if kind == "aws_s3_bucket_policy":
        return Bucket(policy=tuple(_tf_policy(source.get("policy"))))
    legacy = declared_value(source, "server_side_encryption_configuration")
    configured_elsewhere = TERRAFORM_TYPES[1] in source.configured_by
    encryption: tuple[Located, ...] | Unresolved | None = None
    if legacy is not None:
        encryption = (
            legacy
            if isinstance(legacy, Unresolved)
            else _tf_encryption(source, ("server_side_encryption_configuration", 0, "rule"))
        )
    acl = declared_value(source, "acl")
    policy = declared_value(source, "policy")
    return Bucket(
        declares_encryption=legacy is not None or not configured_elsewhere,
        encryption=encryption,
        acl=None if acl is None else ("acl", acl),
        grants=tuple(leaves(source, ("grant", "*", "uri")))
        if declared_value(source, "grant") is not None
        else (),
        policy=tuple(_tf_policy(policy)) if policy else (),
        tls=tls_of(tuple(_tf_policy(policy))) if policy else False,
    )


def gather(members: list[Bucket]) -> list[Bucket]:
    """A bucket (first, when in the file) and the resources that configure it: the bucket
    denies plain HTTP when one of its policies does."""
    owner, *rest = members
    if owner.tls is None:
        return members  # the bucket is not in the file: nothing to judge
    statements = tuple(s for member in members for s in member.policy)
    return [owner._replace(tls=tls_of(statements)), *rest]


def _tf_bool(value: Any) -> Any:
    return False if value is None else flag(value)


def _tf_encryption(source: Source, path: tuple[Any, ...]) -> tuple[Located, ...] | Unresolved:
    rules = source.get(*path)
    if isinstance(rules, Unresolved):
        return rules
    out: list[Located] = []
    for i, _ in enumerate(as_list(rules)):
        where = (*path, i, "apply_server_side_encryption_by_default", 0, "sse_algorithm")
        algorithm = source.get(*where)
        if not isinstance(algorithm, Unresolved):
            algorithm = str(algorithm or "(none)")
        out.append((location(where), algorithm))
    return tuple(out)


def _tf_policy(text: Any) -> list[Located]:
    return statements(text, "policy")
