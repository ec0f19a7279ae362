"""In-memory AWS for ``guardrails replay --emulate``: moto, set up as each event implies.

For each event the emulator creates the resource the event names, puts it in the state
the event implies (it performs the recorded call itself), rewrites the event's ids to the
emulated ones, and afterwards reads the resource back in the AWS API shape.

What "the state the event implies" means, per event:

* ``AuthorizeSecurityGroupIngress``: a group (in the default VPC, named as in the event)
  to which the recorded permissions were added; a failed call adds nothing.
* ``ModifySecurityGroupRules``: a group with one rule of the same protocol and ports from
  ``10.0.0.0/8``, then modified as recorded.
* ``DeleteBucketEncryption`` / ``PutBucketEncryption``: the named bucket, with its
  encryption deleted (moto then reports none, as AWS did before 2023) or set as recorded;
  a Config compliance change for a bucket: a bucket without encryption.
* ``StopLogging``: a multi-region trail of that name (with a log bucket), stopped.
* ``PutBucketAcl`` (canned ``x-amz-acl``), ``PutBucketPublicAccessBlock``,
  ``DeleteBucketPublicAccessBlock``, ``PutBucketPolicy``: the bucket as the call left it.
* ``UpdateTrail``, ``PutEventSelectors``: a trail as the call left it (validation or
  multi-region off, management events dropped); ``DeleteTrail``: no trail.
* ``Put``/``DeleteAccountPublicAccessBlock``: the account's setting as the call left it,
  under moto's account id (its S3 Control accepts no other; the event is rewritten).
* ``DisableEbsEncryptionByDefault`` and a Config compliance change for the account
  (``AWS::::Account``): EBS encryption by default switched off.
* Config compliance change for a security group: a group with ``tcp 22`` from
  ``0.0.0.0/0`` (the violation), ``tcp 22`` from ``10.0.0.0/8`` and ``tcp 443`` from
  ``0.0.0.0/0`` (both compliant and kept).

A fixture may carry ``"guardrailsEmulation": {"groupTags": {"SecurityExemption": "true"}}``
at its top level to tag the emulated group; the handler ignores the key.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

from guardrails_runtime.adapters.ec2_security_group import (
    entries_from_authorize,
    entries_from_modify,
    entries_to_api,
    entry_from_rule,
    group_ref_from_authorize,
)
from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError, parse
from guardrails_runtime.model import IngressEntry, SourceKind
from guardrails_runtime.policies.sg_open_ingress.policy import same_grant
from guardrails_runtime.remediations import by_event
from guardrails_runtime.spec import spec, specs

EMULATION_KEY = "guardrailsEmulation"
DEFAULT_REGION = "us-east-1"
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


class EmulationError(RuntimeError):
    """The emulator could not build the state an event implies."""


@contextlib.contextmanager
def emulated_aws() -> Iterator[None]:
    """moto's in-memory AWS with throwaway credentials, restored on exit."""
    try:
        from moto import mock_aws
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise EmulationError("--emulate needs moto: pip install 'cdk-guardrails[emulate]'") from exc
    saved = {k: os.environ.get(k) for k in _FAKE_CREDENTIALS}
    os.environ.update(_FAKE_CREDENTIALS)
    try:
        with mock_aws():
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def region_of(event: Mapping[str, Any]) -> str:
    """The event's region (record or envelope), else us-east-1."""
    detail = event.get("detail")
    for source in (event, detail if isinstance(detail, Mapping) else {}):
        for key in ("awsRegion", "region"):
            value = source.get(key)
            if isinstance(value, str) and value:
                return value
    return DEFAULT_REGION


def prepare(event: dict[str, Any], clients: Clients) -> dict[str, Any]:
    """Create the state ``event`` implies and return the event with the emulated ids.

    Events the emulator does not know (or cannot parse) come back unchanged, so the
    handler reports them as it would in AWS.
    """
    try:
        parsed = parse(event)
    except MalformedEventError:
        return event
    region = region_of(event)
    ec2 = clients.get("ec2", region)
    tags = _emulation_tags(event)
    renames: dict[str, str] = {}
    hook = _hook(parsed)
    try:
        if hook is not None:
            renames.update(hook.prepare(parsed, clients, region, tags))
        elif isinstance(parsed, ComplianceChange):
            if parsed.resource_type == "AWS::::Account":
                ec2.disable_ebs_encryption_by_default()
            if parsed.resource_type == "AWS::S3::Bucket":
                _create_bucket(clients.get("s3", region), parsed.resource_id, region)
            if parsed.resource_type == "AWS::EC2::SecurityGroup":
                gid = _create_group(ec2, parsed.resource_id, tags)
                ec2.authorize_security_group_ingress(
                    GroupId=gid,
                    IpPermissions=[
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 22,
                            "ToPort": 22,
                            "IpRanges": [
                                {"CidrIp": "0.0.0.0/0", "Description": "left open"},
                                {"CidrIp": "10.0.0.0/8", "Description": "private"},
                            ],
                        },
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 443,
                            "ToPort": 443,
                            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "public HTTPS"}],
                        },
                    ],
                )
                renames[parsed.resource_id] = gid
        elif parsed.event_name == "AuthorizeSecurityGroupIngress":
            renames.update(_authorize(ec2, parsed, tags))
        elif parsed.event_name == "ModifySecurityGroupRules":
            renames.update(_modify(ec2, parsed, tags))
        elif parsed.event_name == "DisableEbsEncryptionByDefault" and not parsed.error_code:
            ec2.disable_ebs_encryption_by_default()
        elif parsed.event_name in ("DeleteBucketEncryption", "PutBucketEncryption"):
            _bucket_encryption(clients.get("s3", region), parsed, region)
        elif parsed.event_name in (
            "PutBucketAcl",
            "PutBucketPublicAccessBlock",
            "DeleteBucketPublicAccessBlock",
        ):
            _bucket_access(clients.get("s3", region), parsed, region)
        elif parsed.event_name == "StopLogging":
            _stopped_trail(clients, parsed, region)
        elif parsed.event_name in ("UpdateTrail", "PutEventSelectors"):
            _changed_trail(clients, parsed, region)
        elif parsed.event_name == "PutBucketPolicy":
            _bucket_policy(clients.get("s3", region), parsed, region)
        elif parsed.event_name in ("PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock"):
            renames.update(_account_access(clients, parsed, region))
    except MalformedEventError:
        return event
    text = json.dumps(event)
    for old, new in renames.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    rewritten: dict[str, Any] = json.loads(text)
    return rewritten


def _hook_of(policy: str | None) -> ModuleType | None:
    """A policy folder's emulator hook (``emulate.py``: ``prepare`` and ``after``), if any."""
    if not policy:
        return None
    try:
        module = spec(policy).module
    except KeyError:
        return None
    try:
        return importlib.import_module(f"guardrails_runtime.policies.{module}.emulate")
    except ModuleNotFoundError:
        return None


def _hook(parsed: ApiCall | ComplianceChange) -> ModuleType | None:
    """The emulator hook of the policy an event goes to, if that policy has one."""
    if isinstance(parsed, ComplianceChange):
        for candidate in specs():
            if candidate.fix and parsed.resource_type in candidate.fix.config_resource_types:
                hook = _hook_of(candidate.id)
                if hook is not None:
                    return hook
        return None
    remediation = by_event(parsed.event_source, parsed.event_name)
    return _hook_of(remediation.policy) if remediation is not None else None


def after(policy: str | None, resource: str | None, region: str, clients: Clients) -> Any:
    """The resource's state after the handler ran, in the AWS API shape (None if unknown)."""
    hook = _hook_of(policy)
    if hook is not None:
        return hook.after(resource, region, clients)
    ec2 = clients.get("ec2", region)
    if policy == "ebs-encryption":
        enabled = ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
        return {"EbsEncryptionByDefault": enabled}
    if policy == "s3-public-access" and resource and not resource.startswith("account/"):
        s3 = clients.get("s3", region)
        try:
            flags = s3.get_public_access_block(Bucket=resource)["PublicAccessBlockConfiguration"]
        except s3.exceptions.ClientError:
            flags = None
        grants = s3.get_bucket_acl(Bucket=resource)["Grants"]
        return {"Bucket": resource, "PublicAccessBlockConfiguration": flags, "Grants": grants}
    if policy == "cloudtrail-enabled" and resource:
        cloudtrail = clients.get("cloudtrail", region)
        trails = cloudtrail.describe_trails(trailNameList=[resource])["trailList"]
        if not trails:
            return {"Trail": resource, "Exists": False}
        status = cloudtrail.get_trail_status(Name=resource)
        return {
            "Trail": resource,
            "IsLogging": status["IsLogging"],
            "LogFileValidationEnabled": trails[0].get("LogFileValidationEnabled"),
            "EventSelectors": cloudtrail.get_event_selectors(TrailName=resource).get(
                "EventSelectors", []
            ),
        }
    if policy == "s3-public-access" and resource and resource.startswith("account/"):
        account = resource.split("/", 1)[1]
        control = clients.get("s3control", region)
        try:
            flags = control.get_public_access_block(AccountId=account)
        except control.exceptions.ClientError:
            return {"Account": account, "PublicAccessBlockConfiguration": None}
        return {
            "Account": account,
            "PublicAccessBlockConfiguration": flags["PublicAccessBlockConfiguration"],
        }
    if policy == "s3-encryption" and resource:
        s3 = clients.get("s3", region)
        try:
            configuration = s3.get_bucket_encryption(Bucket=resource)
        except s3.exceptions.ClientError:
            return {"Bucket": resource, "ServerSideEncryptionConfiguration": None}
        return {
            "Bucket": resource,
            "ServerSideEncryptionConfiguration": configuration["ServerSideEncryptionConfiguration"],
        }
    if policy != "sg-open-ingress" or not resource:
        return None
    key = "GroupIds" if resource.startswith("sg-") else "GroupNames"
    groups = ec2.describe_security_groups(**{key: [resource]})["SecurityGroups"]
    if not groups:
        return None
    group = groups[0]
    return {
        "GroupId": group["GroupId"],
        "IpPermissions": group.get("IpPermissions", []),
        "Tags": group.get("Tags", []),
    }


def _emulation_tags(event: Mapping[str, Any]) -> dict[str, str]:
    extra = event.get(EMULATION_KEY)
    tags = extra.get("groupTags") if isinstance(extra, Mapping) else None
    return {str(k): str(v) for k, v in tags.items()} if isinstance(tags, Mapping) else {}


def _default_vpc(ec2: Any) -> str:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        raise EmulationError("the emulator has no default VPC")
    return str(vpcs[0]["VpcId"])


def _create_group(ec2: Any, name_hint: str, tags: Mapping[str, str]) -> str:
    spec: dict[str, Any] = {
        "GroupName": name_hint if not name_hint.startswith("sg-") else f"emulated-{name_hint}",
        "Description": "created by guardrails replay --emulate",
        "VpcId": _default_vpc(ec2),
    }
    if tags:
        spec["TagSpecifications"] = [
            {
                "ResourceType": "security-group",
                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            }
        ]
    return str(ec2.create_security_group(**spec)["GroupId"])


def _authorize(ec2: Any, call: ApiCall, tags: Mapping[str, str]) -> dict[str, str]:
    kind, ref = group_ref_from_authorize(call.request)
    gid = _create_group(ec2, ref, tags)
    renames = {ref: gid} if kind == "id" else {}
    if call.error_code:
        return renames
    recorded = entries_from_authorize(call.request, call.response)
    if not recorded:
        return renames
    response = ec2.authorize_security_group_ingress(
        GroupId=gid, IpPermissions=entries_to_api(recorded)
    )
    renames.update(_rule_renames(recorded, response.get("SecurityGroupRules", [])))
    return renames


def _modify(ec2: Any, call: ApiCall, tags: Mapping[str, str]) -> dict[str, str]:
    group_id, recorded = entries_from_modify(call.request)
    gid = _create_group(ec2, group_id, tags)
    renames = {group_id: gid}
    if call.error_code:
        return renames
    before = [
        IngressEntry(
            e.protocol,
            e.from_port,
            e.to_port,
            "10.0.0.0/8",
            SourceKind.IPV4,
            "before the change",
            e.rule_id,
        )
        for e in recorded
    ]
    created = ec2.authorize_security_group_ingress(
        GroupId=gid, IpPermissions=entries_to_api(before)
    ).get("SecurityGroupRules", [])
    updates = []
    for entry, rule in zip(recorded, created, strict=False):
        new_id = rule["SecurityGroupRuleId"]
        if entry.rule_id:
            renames[entry.rule_id] = new_id
        body: dict[str, Any] = {"IpProtocol": entry.protocol}
        if entry.from_port is not None:
            body["FromPort"] = entry.from_port
        if entry.to_port is not None:
            body["ToPort"] = entry.to_port
        key = {
            SourceKind.IPV4: "CidrIpv4",
            SourceKind.IPV6: "CidrIpv6",
            SourceKind.PREFIX_LIST: "PrefixListId",
        }.get(entry.kind, "ReferencedGroupId")
        body[key] = entry.source
        if entry.description:
            body["Description"] = entry.description
        updates.append({"SecurityGroupRuleId": new_id, "SecurityGroupRule": body})
    ec2.modify_security_group_rules(GroupId=gid, SecurityGroupRules=updates)
    return renames


def _create_bucket(s3: Any, name: str, region: str) -> None:
    spec: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        spec["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**spec)


def _recorded_bucket(s3: Any, call: ApiCall, region: str) -> str | None:
    """Create the bucket a recorded S3 call names; its name when the call succeeded."""
    name = call.request.get("bucketName")
    if not isinstance(name, str) or not name:
        return None
    _create_bucket(s3, name, region)
    return None if call.error_code else name


def _bucket_encryption(s3: Any, call: ApiCall, region: str) -> None:
    """A bucket whose encryption the recorded call just deleted or replaced."""
    name = _recorded_bucket(s3, call, region)
    if name is None:
        return
    if call.event_name == "DeleteBucketEncryption":
        s3.delete_bucket_encryption(Bucket=name)
        return
    recorded = (call.request.get("ServerSideEncryptionConfiguration") or {}).get("Rule") or {}
    default = recorded.get("ApplyServerSideEncryptionByDefault") or {}
    algorithm = default.get("SSEAlgorithm") or "AES256"
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}]
        },
    )


def _bucket_access(s3: Any, call: ApiCall, region: str) -> None:
    """A bucket as the recorded ACL or Block Public Access call left it."""
    name = _recorded_bucket(s3, call, region)
    if name is None:
        return
    if call.event_name == "PutBucketAcl":
        canned = call.request.get("x-amz-acl")
        canned = canned[0] if isinstance(canned, list) and canned else canned
        if isinstance(canned, str) and canned:
            s3.put_bucket_acl(Bucket=name, ACL=canned)
    elif call.event_name == "PutBucketPublicAccessBlock":
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=_recorded_flags(call)
        )


MOTO_ACCOUNT = "123456789012"  # moto's S3 Control accepts only its own account id
FLAG_NAMES = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _recorded_flags(call: ApiCall) -> dict[str, bool]:
    recorded = call.request.get("PublicAccessBlockConfiguration") or {}
    return {flag: str(recorded.get(flag, "false")).lower() == "true" for flag in FLAG_NAMES}


def _trail(
    clients: Clients, name: str, region: str, validation: bool = True, multi_region: bool = True
) -> Any:
    bucket = f"emulated-trail-logs-{name.lower()}"[:63]
    _create_bucket(clients.get("s3", region), bucket, region)
    cloudtrail = clients.get("cloudtrail", region)
    cloudtrail.create_trail(
        Name=name,
        S3BucketName=bucket,
        IsMultiRegionTrail=multi_region,
        EnableLogFileValidation=validation,
    )
    cloudtrail.start_logging(Name=name)
    return cloudtrail


def _changed_trail(clients: Clients, call: ApiCall, region: str) -> None:
    """A trail as the recorded UpdateTrail or PutEventSelectors left it."""
    name = call.request.get("name") or call.request.get("trailName")
    if not isinstance(name, str) or not name or name.startswith("arn:"):
        return
    update = call.event_name == "UpdateTrail" and not call.error_code
    cloudtrail = _trail(
        clients,
        name,
        region,
        validation=not (update and call.request.get("enableLogFileValidation") is False),
        multi_region=not (update and call.request.get("isMultiRegionTrail") is False),
    )
    if call.event_name == "PutEventSelectors" and not call.error_code:
        selectors = [
            {
                "ReadWriteType": s.get("readWriteType", "All"),
                "IncludeManagementEvents": s.get("includeManagementEvents", True),
            }
            for s in call.request.get("eventSelectors") or []
            if isinstance(s, dict)
        ]
        if selectors:
            cloudtrail.put_event_selectors(TrailName=name, EventSelectors=selectors)


def _bucket_policy(s3: Any, call: ApiCall, region: str) -> None:
    name = _recorded_bucket(s3, call, region)
    policy = call.request.get("bucketPolicy")
    if name is not None and isinstance(policy, dict):
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))


def _account_access(clients: Clients, call: ApiCall, region: str) -> dict[str, str]:
    """The account's Block Public Access as the call left it, under moto's account id."""
    control = clients.get("s3control", region)
    if call.event_name == "PutAccountPublicAccessBlock" and not call.error_code:
        control.put_public_access_block(
            AccountId=MOTO_ACCOUNT, PublicAccessBlockConfiguration=_recorded_flags(call)
        )
    return {call.account: MOTO_ACCOUNT} if call.account else {}


def _stopped_trail(clients: Clients, call: ApiCall, region: str) -> None:
    """A trail (with its log bucket) that was logging until the recorded StopLogging."""
    name = call.request.get("name")
    if not isinstance(name, str) or not name or name.startswith("arn:"):
        return
    cloudtrail = _trail(clients, name, region)
    if not call.error_code:
        cloudtrail.stop_logging(Name=name)


def _rule_renames(recorded: list[IngressEntry], created: list[Mapping[str, Any]]) -> dict[str, str]:
    renames: dict[str, str] = {}
    for rule in created:
        new = entry_from_rule(rule, "emulated rule", camel=True)
        for old in recorded:
            if old.rule_id and new.rule_id and same_grant(old, new):
                renames[old.rule_id] = new.rule_id
    return renames
