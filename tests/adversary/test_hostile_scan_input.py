"""Hostile and unusual files for ``guardrails scan`` (issue 17): exit 2 with one line that
names the file, quickly and in little memory, never a traceback and never exit 1 (which
means "findings"); text encodings that Windows tools write are read, not refused.

Every fixture is written here from the YAML and CloudFormation specifications.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from guardrails.cli import main

OPEN_SSH = {
    "Type": "AWS::EC2::SecurityGroup",
    "Properties": {
        "GroupDescription": "ssh",
        "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}
        ],
    },
}


def scan(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    code = main(["scan", "--format", "json", str(path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(capsys: pytest.CaptureFixture[str], path: Path, reason: str) -> str:
    code, out, err = scan(capsys, path)
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("guardrails scan: "), err
    assert "Traceback" not in err and reason in err, err
    return err


def bomb(levels: int, width: int = 9, container: str = "list") -> str:
    """The billion-laughs shape: each level repeats the previous one ``width`` times."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        if container == "list":
            body = "[" + ", ".join([f"*l{i - 1}"] * width) + "]"
        else:
            body = "{" + ", ".join(f"k{j}: *l{i - 1}" for j in range(width)) + "}"
        lines.append(f"l{i}: &l{i} {body}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("beside the resources", bomb(8) + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"),
        (
            "inside a resource's tags",
            bomb(8) + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"
            "    Properties:\n      Tags: *l7\n",
        ),
        ("of mappings", bomb(8, container="map") + "Resources: {}\n"),
        ("wide, not deep", bomb(3, width=2000) + "Resources: {}\n"),
    ],
)
def test_yaml_alias_bombs_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    assert len(text) < 40_000
    err = refused(capsys, path, "too large after alias expansion")
    assert str(path) in err


def test_a_few_aliases_are_just_yaml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Anchors that repeat a rule a few times are ordinary YAML: judged, not refused."""
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "Resources:\n"
        "  Ssh:\n"
        "    Type: AWS::EC2::SecurityGroup\n"
        "    Properties:\n"
        "      GroupDescription: ssh\n"
        "      SecurityGroupIngress:\n"
        "        - &world {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}\n"
        "  Again:\n"
        "    Type: AWS::EC2::SecurityGroup\n"
        "    Properties:\n"
        "      GroupDescription: again\n"
        "      SecurityGroupIngress: [*world]\n"
    )
    code, out, _ = scan(capsys, path)
    assert code == 1
    assert sorted(f["resource"] for f in json.loads(out)) == ["Again", "Ssh"]


def test_a_recursive_alias_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("Resources:\n  B: &b\n    Type: AWS::S3::Bucket\n    Properties: {Self: *b}\n")
    refused(capsys, path, "contains itself")


def nested(levels: int, fn: str = "Fn::Base64") -> str:
    text = '{"Ref": "P"}'
    for _ in range(levels):
        text = f'{{"{fn}": {text}}}' if fn != "Fn::Join" else f'{{"Fn::Join": ["", [{text}]]}}'
    return text


def deep_template(value: str) -> str:
    return (
        '{"Parameters": {"P": {"Type": "String", "Default": "x"}}, "Resources": {"S": '
        '{"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": '
        + value
        + ', "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, '
        '"CidrIp": "0.0.0.0/0"}]}}}}'
    )


@pytest.mark.parametrize(
    "value",
    [nested(400, "Fn::Join"), nested(3000), "[" * 5000 + "]" * 5000],
    ids=["400 Fn::Join (1,200 levels)", "3,000 Fn::Base64", "5,000 lists"],
)
def test_json_deeper_than_its_readers_go_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(deep_template(value))
    refused(capsys, path, "deep.json: nested too deeply to evaluate")


def test_yaml_deeper_than_its_readers_go_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "deep.yaml"
    for value in ("[" * 3000, "[" * 3000 + "]" * 3000, "{a: " * 3000 + "}" * 3000):
        path.write_text("Resources:\n  S:\n    Type: AWS::S3::Bucket\n    Properties: " + value)
        refused(capsys, path, "deep.yaml: nested too deeply to evaluate")


def test_deep_but_readable_templates_are_judged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """400 nested intrinsics are far beyond what CDK writes (about 20 levels) but within
    what the readers handle: judged, not refused, in JSON and in YAML."""
    path = tmp_path / "deep.json"
    path.write_text(deep_template(nested(400)))
    code, out, _ = scan(capsys, path)
    assert code == 1 and [f["rule"] for f in json.loads(out)] == ["GR-SG1"]
    path = tmp_path / "deep.yaml"
    path.write_text(
        "Resources:\n  S:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
        f"      GroupDescription: {nested(150)}\n"
        "      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 22, ToPort: 22, "
        "CidrIp: 0.0.0.0/0}]\n"
    )
    code, out, _ = scan(capsys, path)
    assert code == 1 and [f["rule"] for f in json.loads(out)] == ["GR-SG1"]


@pytest.mark.parametrize(
    ("name", "conditions", "reason"),
    [
        ("itself", {"C": {"Fn::Not": [{"Condition": "C"}]}}, "condition 'C' depends on itself"),
        (
            "each other",
            {
                "C": {"Fn::And": [{"Condition": "D"}, {"Fn::Equals": ["a", "a"]}]},
                "D": {"Fn::Or": [{"Condition": "C"}, {"Fn::Equals": ["a", "b"]}]},
            },
            "depends on itself",
        ),
    ],
)
def test_circular_conditions_are_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    conditions: dict[str, object],
    reason: str,
) -> None:
    path = tmp_path / "conditions.json"
    resource = dict(OPEN_SSH, Condition="C")
    path.write_text(json.dumps({"Conditions": conditions, "Resources": {"S": resource}}))
    refused(capsys, path, reason)


def test_a_mapping_that_looks_itself_up_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "map.json"
    rule = dict(OPEN_SSH["Properties"]["SecurityGroupIngress"][0])  # type: ignore[index]
    rule["CidrIp"] = {"Fn::FindInMap": ["M", "a", "b"]}
    group = {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": [rule]}}
    for loop in ({"Fn::FindInMap": ["M", "a", "b"]}, [{"Ref": "AWS::Region"}]):
        path.write_text(
            json.dumps({"Mappings": {"M": {"a": {"b": loop}}}, "Resources": {"S": group}})
        )
        refused(capsys, path, "Mappings M.a.b holds a function")


def manifest(folder: Path, artifacts: dict[str, object]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))


def stack(template: str) -> dict[str, object]:
    return {"type": "aws:cloudformation:stack", "properties": {"templateFile": template}}


def assembly(directory: str) -> dict[str, object]:
    return {"type": "cdk:cloud-assembly", "properties": {"directoryName": directory}}


def test_a_cloud_assembly_that_lists_itself_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest(tmp_path / "cdk.out", {"me": assembly(".")})
    refused(capsys, tmp_path / "cdk.out", "already being read (a loop)")
    manifest(tmp_path / "two", {"a": assembly("stage")})
    manifest(tmp_path / "two" / "stage", {"back": assembly("..")})
    refused(capsys, tmp_path / "two", "already being read (a loop)")


@pytest.mark.parametrize("how", ["templateFile", "directoryName", "nested stack", "assets"])
def test_a_cloud_assembly_cannot_lead_outside_its_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, how: str
) -> None:
    outside = tmp_path / "secret.template.json"
    outside.write_text(json.dumps({"Resources": {"S": OPEN_SSH}}))
    root = tmp_path / "cdk.out"
    if how == "templateFile":
        manifest(root, {"s": stack("../secret.template.json")})
    elif how == "directoryName":
        manifest(root, {"a": assembly("../../" + tmp_path.name)})
    else:
        parent = {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "x"}}
        if how == "nested stack":
            parent["Metadata"] = {"aws:asset:path": "../secret.template.json"}
        else:
            (root / "P.assets.json").parent.mkdir(parents=True, exist_ok=True)
            (root / "P.assets.json").write_text(
                json.dumps({"files": {"h": {"source": {"path": "../x.nested.template.json"}}}})
            )
            (tmp_path / "x.nested.template.json").write_text(outside.read_text())
        manifest(root, {"P": stack("P.template.json")})
        (root / "P.template.json").write_text(json.dumps({"Resources": {"Nested": parent}}))
    err = refused(capsys, root, "leads outside the cloud assembly")
    assert "secret" in err or "x.nested" in err or tmp_path.name in err


def test_a_symbolic_link_out_of_the_assembly_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "secret.json").write_text(json.dumps({"Resources": {"S": OPEN_SSH}}))
    manifest(tmp_path / "cdk.out", {"s": stack("S.template.json")})
    os.symlink(tmp_path / "secret.json", tmp_path / "cdk.out" / "S.template.json")
    refused(capsys, tmp_path / "cdk.out", "leads outside the cloud assembly")


PLAN = {
    "format_version": "1.2",
    "resource_changes": [
        {
            "address": "aws_security_group.ssh",
            "mode": "managed",
            "type": "aws_security_group",
            "name": "ssh",
            "change": {
                "actions": ["create"],
                "after": {
                    "ingress": [
                        {
                            "cidr_blocks": ["0.0.0.0/0"],
                            "from_port": 22,
                            "to_port": 22,
                            "protocol": "tcp",
                            "ipv6_cidr_blocks": [],
                            "prefix_list_ids": [],
                            "security_groups": [],
                            "self": False,
                        }
                    ],
                    "tags": None,
                },
                "after_unknown": {},
            },
        }
    ],
}


@pytest.mark.parametrize(
    ("name", "encoding", "bom"),
    [
        ("PowerShell 5.1 > (UTF-16 LE)", "utf-16-le", b"\xff\xfe"),
        ("UTF-16 BE", "utf-16-be", b"\xfe\xff"),
        ("UTF-8 with a BOM", "utf-8", b"\xef\xbb\xbf"),
    ],
)
@pytest.mark.parametrize("kind", ["plan", "json template", "yaml template", "cdk.out"])
def test_byte_order_marks_and_utf16_are_read(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    encoding: str,
    bom: bytes,
    kind: str,
) -> None:
    template = {"Resources": {"S": OPEN_SSH}}
    text = {
        "plan": json.dumps(PLAN, indent=2),
        "json template": json.dumps(template, indent=2),
        "yaml template": "Resources:\n  S:\n    Type: AWS::EC2::SecurityGroup\n"
        "    Properties:\n      GroupDescription: é\n      SecurityGroupIngress:\n"
        "        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}\n",
        "cdk.out": json.dumps(template),
    }[kind]
    data = bom + text.replace("\n", "\r\n").encode(encoding)
    if kind == "cdk.out":
        manifest(tmp_path / "cdk.out", {"S": stack("S.template.json")})
        (tmp_path / "cdk.out" / "S.template.json").write_bytes(data)
        path = tmp_path / "cdk.out"
    else:
        path = tmp_path / ("plan.json" if kind == "plan" else f"t.{kind.split(maxsplit=1)[0]}")
        path.write_bytes(data)
    code, out, err = scan(capsys, path)
    assert code == 1, err
    findings = json.loads(out)
    assert [f["rule"] for f in findings] == ["GR-SG1"]
    if kind != "cdk.out":
        assert findings[0]["line"] > 1  # positions survive the decoding


def test_text_in_no_supported_encoding_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("Resources:\n  S:\n    Type: AWS::S3::Bucket # café\n".encode("latin-1"))
    err = refused(capsys, path, "latin1.yaml: not UTF-8 text")
    assert "UTF-16 with a byte order mark" in err


def test_a_hostile_exemptions_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A pull request can change .guardrails.yaml: an alias bomb or a recursive alias there
    is refused like one in a template (exit 2, one line), not expanded."""
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"Resources": {"S": OPEN_SSH}}))
    for name, text in (
        ("bomb", bomb(8) + "exemptions: []\n"),
        ("loop", "exemptions: &e [*e]\n"),
    ):
        waivers = tmp_path / f"{name}.yaml"
        waivers.write_text(text)
        code = main(["scan", "--exemptions", str(waivers), str(template)])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1, err
        assert str(waivers) in err and "Traceback" not in err


def test_a_baseline_with_a_byte_order_mark_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"Resources": {"S": OPEN_SSH}}))
    baseline = tmp_path / "baseline.json"
    assert main(["scan", "--write-baseline", str(baseline), str(template)]) == 0
    baseline.write_bytes(b"\xff\xfe" + baseline.read_text().encode("utf-16-le"))
    capsys.readouterr()
    assert main(["scan", "--baseline", str(baseline), str(template)]) == 0
