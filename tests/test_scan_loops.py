"""``Fn::ForEach`` (the ``AWS::LanguageExtensions`` transform) in ``guardrails scan``:
loops are expanded as CloudFormation expands them, so what they create is judged; a loop
that cannot be expanded before deployment gives a warning that names it (issue 17).

Templates written here from the ``Fn::ForEach`` reference (declaration, identifiers,
``&{}``, nested loops, a ``Ref`` to a ``CommaDelimitedList`` as the collection).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.scan import cfn_yaml
from guardrails.scan.cloudformation import subjects
from guardrails.scan.engine import evaluate
from guardrails.scan.errors import ScanInputError


def findings(text: str) -> list[tuple[str, str, str]]:
    template = cfn_yaml.load(text)
    return sorted((f.resource, f.rule, f.level) for f in evaluate(subjects(template, "t.yaml")))


HEAD = "Transform: AWS::LanguageExtensions\n"


def test_a_loop_over_a_list_parameter_creates_what_is_judged() -> None:
    text = HEAD + (
        "Parameters:\n"
        "  Ports: {Type: CommaDelimitedList, Default: '22, 443'}\n"
        "Resources:\n"
        "  Fn::ForEach::Groups:\n"
        "    - Port\n"
        "    - !Ref Ports\n"
        "    - Group${Port}:\n"
        "        Type: AWS::EC2::SecurityGroup\n"
        "        Properties:\n"
        "          GroupDescription: !Sub 'port ${Port}'\n"
        "          SecurityGroupIngress:\n"
        "            - {IpProtocol: tcp, FromPort: !Ref Port, ToPort: !Ref Port,\n"
        "               CidrIp: 0.0.0.0/0}\n"
    )
    assert findings(text) == [("Group22", "GR-SG1", "error")]


def test_nested_loops_and_the_ampersand_form() -> None:
    """``&{Env}`` drops the hyphen of ``prod-eu`` from the logical id; ``${Port}`` in a
    value and ``Ref: Port`` give the item itself."""
    text = HEAD + (
        "Resources:\n"
        "  Fn::ForEach::Envs:\n"
        "    - Env\n"
        "    - [dev, prod-eu]\n"
        "    - Fn::ForEach::Ports:\n"
        "        - Port\n"
        "        - ['3389', '443']\n"
        "        - Sg&{Env}${Port}:\n"
        "            Type: AWS::EC2::SecurityGroup\n"
        "            Properties:\n"
        "              GroupDescription: !Sub '${Env} ${Port}'\n"
        "              SecurityGroupIngress:\n"
        "                - IpProtocol: tcp\n"
        "                  FromPort: !Ref Port\n"
        "                  ToPort: '${Port}'\n"
        "                  CidrIp: 0.0.0.0/0\n"
    )
    assert findings(text) == [
        ("Sgdev3389", "GR-SG1", "error"),
        ("Sgprodeu3389", "GR-SG1", "error"),
    ]


def test_a_loop_beside_plain_resources_and_referenced_by_them() -> None:
    """A bucket policy outside the loop names a bucket the loop creates: judged together
    (the loop's buckets are real resources of the template)."""
    text = HEAD + (
        "Resources:\n"
        "  Fn::ForEach::Buckets:\n"
        "    - Name\n"
        "    - [Logs]\n"
        "    - Bucket${Name}:\n"
        "        Type: AWS::S3::Bucket\n"
        "  Policy:\n"
        "    Type: AWS::S3::BucketPolicy\n"
        "    Properties:\n"
        "      Bucket: !Ref BucketLogs\n"
        "      PolicyDocument:\n"
        "        Statement:\n"
        "          - {Effect: Allow, Principal: '*', Action: 's3:GetObject', Resource: '*'}\n"
    )
    found = findings(text)
    assert ("BucketLogs", "GR-S3T1", "error") in found
    assert any(r == "Policy" and rule.startswith("GR-S3") for r, rule, _ in found), found


@pytest.mark.parametrize(
    "collection",
    ["!Ref Names", "[a, !Ref AWS::Region]", "!GetAZs ''"],
    ids=["parameter without default", "an unknown item", "a function of the account"],
)
def test_a_loop_that_cannot_be_expanded_warns_and_names_it(collection: str) -> None:
    text = HEAD + (
        "Parameters:\n"
        "  Names: {Type: CommaDelimitedList}\n"
        "Resources:\n"
        "  Fn::ForEach::Groups:\n"
        "    - Name\n"
        f"    - {collection}\n"
        "    - Group${Name}:\n"
        "        Type: AWS::EC2::SecurityGroup\n"
        "        Properties: {GroupDescription: x}\n"
    )
    template = cfn_yaml.load(text)
    found = evaluate(subjects(template, "t.yaml"))
    assert [(f.resource, f.rule, f.level) for f in found] == [("Group${Name}", "GR-SG2", "warning")]
    assert "Fn::ForEach::Groups cannot be expanded before deployment" in found[0].message


def test_a_loop_inside_properties_is_expanded() -> None:
    text = HEAD + (
        "Resources:\n"
        "  Db:\n"
        "    Type: AWS::RDS::DBInstance\n"
        "    Properties:\n"
        "      Engine: postgres\n"
        "      Fn::ForEach::Flags:\n"
        "        - Flag\n"
        "        - [Publicly]\n"
        "        - ${Flag}Accessible: true\n"
    )
    assert ("Db", "GR-RDS1", "error") in findings(text)


def test_a_loop_inside_properties_that_cannot_be_expanded_is_unknown() -> None:
    text = HEAD + (
        "Parameters:\n"
        "  Flags: {Type: CommaDelimitedList}\n"
        "Resources:\n"
        "  Db:\n"
        "    Type: AWS::RDS::DBInstance\n"
        "    Properties:\n"
        "      Fn::ForEach::Flags:\n"
        "        - Flag\n"
        "        - !Ref Flags\n"
        "        - ${Flag}Accessible: true\n"
    )
    found = findings(text)
    assert found and all(level == "warning" for _, _, level in found), found


@pytest.mark.parametrize(
    "loop", ["[Name, [a]]", "Name", "[Name, [a], [not, a, map]]"], ids=["two", "text", "list"]
)
def test_a_malformed_loop_is_bad_input(loop: str) -> None:
    text = HEAD + f"Resources:\n  Fn::ForEach::Bad: {loop}\n"
    with pytest.raises(ScanInputError, match=r"t\.yaml: Fn::ForEach::Bad needs"):
        subjects(cfn_yaml.load(text), "t.yaml")


def test_the_cli_reports_expanded_resources(tmp_path: Path) -> None:
    from guardrails.cli import main

    path = tmp_path / "loop.yaml"
    path.write_text(
        HEAD + "Resources:\n  Fn::ForEach::B:\n    - N\n    - [One, Two]\n"
        "    - Volume${N}:\n        Type: AWS::EC2::Volume\n"
        "        Properties: {AvailabilityZone: eu-west-1a, Size: 1, Encrypted: false}\n"
    )
    assert main(["scan", str(path)]) == 1


def test_findings_of_loop_resources_point_at_the_loops_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A resource a loop makes has no key of its own in the file: its findings point at
    the fragment's field (line and column), nested loops and unexpandable ones included,
    not at the top of the file (a SARIF annotation on line 1 helps nobody)."""
    import json

    from guardrails.cli import main

    text = HEAD + (
        "Parameters:\n"
        "  Names: {Type: CommaDelimitedList}\n"  # 2: no default, the loop stays unexpanded
        "Resources:\n"
        "  Fn::ForEach::Envs:\n"
        "    - Env\n"
        "    - [dev, prod]\n"
        "    - Fn::ForEach::Ports:\n"
        "        - Port\n"
        "        - ['22']\n"
        "        - Sg${Env}${Port}:\n"  # 11
        "            Type: AWS::EC2::SecurityGroup\n"
        "            Properties:\n"
        "              GroupDescription: x\n"
        "              SecurityGroupIngress:\n"
        "                - IpProtocol: tcp\n"
        "                  FromPort: 22\n"
        "                  ToPort: 22\n"
        "                  CidrIp: 0.0.0.0/0\n"  # 19
        "  Fn::ForEach::Unknown:\n"
        "    - Name\n"
        "    - !Ref Names\n"
        "    - ${Name}Bucket:\n"  # 23
        "        Type: AWS::S3::Bucket\n"
        "  Plain:\n"  # 25
        "    Type: AWS::EC2::SecurityGroup\n"
        "    Properties:\n"
        "      GroupDescription: x\n"
        "      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 22, ToPort: 22,\n"
        "                              CidrIp: 0.0.0.0/0}]\n"  # 30
    )
    path = tmp_path / "loops.yaml"
    path.write_text(text)
    main(["scan", "--format", "json", str(path)])
    found = json.loads(capsys.readouterr().out)
    at = {(f["resource"], f["rule"]): (f["line"], f["column"]) for f in found}
    assert at[("Sgdev22", "GR-SG1")] == (19, 19) == at[("Sgprod22", "GR-SG1")]
    unknown = [where for (resource, _), where in at.items() if resource == "${Name}Bucket"]
    assert unknown and all(line == 23 for line, _ in unknown)
    assert at[("Plain", "GR-SG1")][0] == 30  # resources outside loops as before
