"""Adapter of ``AWS::S3::Bucket``: a bucket's default encryption and who can read it.

Facts (:class:`Bucket`) from the four sources:

* CloudFormation: ``BucketEncryption``, ``PublicAccessBlockConfiguration``,
  ``AccessControl`` of a bucket, and ``AWS::S3::BucketPolicy`` (judged with its bucket's
  tags when the bucket is in the same template);
* Terraform: ``aws_s3_bucket`` (the legacy inline blocks only where the configuration
  sets them: provider v4+ computes them) and the resources that configure a bucket
  (``aws_s3_bucket_server_side_encryption_configuration``,
  ``aws_s3_bucket_public_access_block``, ``aws_s3_bucket_acl``, ``aws_s3_bucket_policy``);
  a bucket whose encryption is configured by a separate resource is not judged for it;
* the live API: ``GetBucketEncryption``, ``GetPublicAccessBlock`` (none configured reads
  as every flag off: that is what S3 applies), ``GetBucketAcl``, ``GetBucketPolicy``
  (:func:`from_api`);
* CloudTrail: the bucket a call names (``bucketName``).

A source that says nothing about an aspect leaves it ``None``/empty: not judged here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.adapters import mapping
from guardrails_runtime.documents import Located, statements
from guardrails_runtime.events import MalformedEventError
from guardrails_runtime.model import Unresolved

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


class Misplaced(NamedTuple):
    """An encryption setting written where the format does not read it (``SSEAlgorithm``
    beside ``ServerSideEncryptionByDefault`` instead of inside it): the bucket gets no
    algorithm from it, and the finding says where it belongs."""

    found_at: str
    belongs_at: str


class Bucket(NamedTuple):
    """What the S3 policies judge about one bucket, as far as one source declares it.

    * ``encryption`` (judged only when ``declares_encryption``): ``None`` (nothing
      declared: AWS applies SSE-S3), :class:`Unresolved`, or one
      ``(location, algorithm | Unresolved)`` per rule (none: a configuration without rules);
    * ``public_access_block``: ``None`` (not declared), :class:`Unresolved`, or one
      ``(flag, location, bool | Unresolved | None)`` per flag;
    * ``acl``: ``(location, canned ACL | Unresolved)`` or ``None``;
    * ``grants``: ``(location, grantee URI | Unresolved)``;
    * ``policy``: ``(location, statement | Unresolved)``.
    """

    declares_encryption: bool = False
    encryption: tuple[Located, ...] | Unresolved | None = None
    public_access_block: tuple[tuple[str, str, Any], ...] | Unresolved | None = None
    acl: Located | None = None
    grants: tuple[Located, ...] = ()
    policy: tuple[Located, ...] = ()
    # s3-ssl-only: whether the bucket's policy denies requests without TLS (None: not
    # judged here, e.g. a policy resource, whose bucket is judged with it).
    tls: bool | Unresolved | None = None


def from_api(
    *,
    encryption: Mapping[str, Any] | None = None,
    public_access_block: Mapping[str, Any] | None = None,
    grants: list[Mapping[str, Any]] | None = None,
    policy: str | None = None,
) -> Bucket:
    """Facts from the API responses a fix read (each optional: only what it read is judged).

    ``encryption``: ``GetBucketEncryption``'s ``ServerSideEncryptionConfiguration`` (``{}``
    when none is configured: a configuration without rules, which fails: read live, the
    bucket lost its encryption); ``public_access_block``: ``GetPublicAccessBlock``'s
    configuration (``{}`` when none: every flag off); ``grants``: ``GetBucketAcl``'s
    ``Grants``; ``policy``: ``GetBucketPolicy``'s ``Policy`` text.
    """
    judged_encryption: tuple[Located, ...] | None = None
    if encryption is not None:
        rules = encryption.get("Rules")
        judged_encryption = tuple(
            (
                f"Rules[{i}].ApplyServerSideEncryptionByDefault.SSEAlgorithm",
                str(
                    mapping(rule.get("ApplyServerSideEncryptionByDefault")).get(
                        "SSEAlgorithm", "(none)"
                    )
                ),
            )
            for i, rule in enumerate(rules if isinstance(rules, list) else [])
            if isinstance(rule, Mapping)
        )
    return Bucket(
        declares_encryption=encryption is not None,
        encryption=judged_encryption,
        public_access_block=None
        if public_access_block is None
        else tuple((name, name, bool(public_access_block.get(name))) for name in FLAGS),
        grants=tuple(
            (f"Grants[{i}]", str(mapping(g.get("Grantee")).get("URI")))
            for i, g in enumerate(grants or [])
            if mapping(g.get("Grantee")).get("URI")
        ),
        policy=tuple(statements(policy, "Policy")) if policy is not None else (),
    )


# What S3 has ever accepted as a bucket name (legacy us-east-1 names included): botocore
# refuses anything else before sending, so such a record cannot name a real bucket. A
# name without a letter or digit ("...", what redacted records show) names none either.
_BUCKET_NAME = re.compile(r"(?=.*[a-zA-Z0-9])[a-zA-Z0-9.\-_]{1,255}")


def name_from_cloudtrail(request: Mapping[str, Any]) -> str:
    """The bucket an S3 call names (``bucketName``); MalformedEventError when it names none
    or a name no bucket can have."""
    name = request.get("bucketName")
    if not isinstance(name, str) or not name.strip():
        raise MalformedEventError("requestParameters.bucketName must be a non-empty string")
    if not _BUCKET_NAME.fullmatch(name.strip()):
        raise MalformedEventError(
            f"requestParameters.bucketName {name[:80]!r} is not a valid bucket name"
        )
    return name.strip()
