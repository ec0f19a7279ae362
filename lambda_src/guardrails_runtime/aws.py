"""boto3 clients and AWS error classification, in one place.

Clients use botocore's ``standard`` retry mode (throttling and transient errors are
retried with backoff before an error reaches our code). Error codes are matched by name.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from guardrails_runtime import __version__

RETRY_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=15,
    user_agent_extra=f"cdk-guardrails/{__version__}",
)

ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "Client.UnauthorizedOperation",
        "AuthorizationError",
        "AuthorizationErrorException",
    }
)


def error_code(exc: ClientError) -> str:
    """The AWS error code of a botocore ``ClientError`` ('' when absent)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_access_denied(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and error_code(exc) in ACCESS_DENIED_CODES


def bucket_tags(s3: Any, bucket: str) -> list[dict[str, str]]:
    """A bucket's tags in the EC2-style ``[{"Key", "Value"}]`` shape (none: ``[]``)."""
    try:
        return list(s3.get_bucket_tagging(Bucket=bucket).get("TagSet", []))
    except ClientError as exc:
        if error_code(exc) == "NoSuchTagSet":
            return []
        raise


def partition_for(region: str | None) -> str:
    """The ARN partition of a region (``aws``, ``aws-cn``, ``aws-us-gov``)."""
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


_PARTITIONS: Any = None


def known_region(region: str) -> bool:
    """True when ``region`` is a region of some AWS partition, by the format botocore's
    endpoint data gives each partition (so a region launched after this botocore still
    passes). A well-formed but unknown name (``xx-nowhere-9``) would otherwise end in a
    connection error, a retry and the DLQ."""
    global _PARTITIONS  # noqa: PLW0603 - one botocore session per process
    if _PARTITIONS is None:
        import botocore.session

        _PARTITIONS = botocore.session.get_session()
    try:
        _PARTITIONS.get_partition_for_region(region)
    except AttributeError:  # pragma: no cover - a botocore older than the method
        return True
    except Exception:  # botocore's UnknownRegionError, and anything it may raise instead
        return False
    return True


class Clients:
    """Creates boto3 clients lazily, one per (service, region), and keeps them.

    Tests and the replay command pass their own instance to count or observe calls.
    """

    def __init__(self, session: boto3.session.Session | None = None) -> None:
        self._session = session
        self._cache: dict[tuple[str, str | None], Any] = {}

    def put(self, service: str, region: str | None, client: Any) -> None:
        """Use ``client`` for (service, region), e.g. one wired to botocore's Stubber."""
        self._cache[(service, region)] = client

    def get(self, service: str, region: str | None = None) -> Any:
        key = (service, region)
        client = self._cache.get(key)
        if client is None:
            session = self._session or boto3.session.Session()
            client = session.client(service, region_name=region, config=RETRY_CONFIG)  # type: ignore[call-overload]
            self._cache[key] = client
        return client
