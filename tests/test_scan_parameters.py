"""Conditions and parameters in ``guardrails scan`` (issue 17): a resource under a
condition that is false with the defaults is still judged (a parameter override can
create it) and the finding names the condition; a value taken from a parameter's default
is judged with the default and the finding names the parameter; ``--parameter`` and
``--parameters-file`` give the values a deployment uses.

Templates and parameter files written here from the CloudFormation documentation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guardrails.cli import main

TEMPLATE = """\
Parameters:
  Cidr: {Type: String, Default: 10.0.0.0/8}
  Port: {Type: Number, Default: 22}
  Env: {Type: String, Default: dev}
  Public: {Type: String, Default: "false"}
  Free: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: x
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: !Ref Port, ToPort: !Ref Port, CidrIp: !Ref Cidr}
  ProdDb:
    Type: AWS::RDS::DBInstance
    Condition: IsProd
    Properties: {Engine: postgres, PubliclyAccessible: true}
  Db:
    Type: AWS::RDS::DBInstance
    Properties: {Engine: postgres, PubliclyAccessible: !Ref Public}
"""


def scan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str, text: str = TEMPLATE
) -> tuple[int, list[dict[str, Any]], str]:
    path = tmp_path / "app.yaml"
    path.write_text(text)
    code = main(["scan", "--format", "json", *args, str(path)])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else [], captured.err


def by_resource(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["resource"]: f for f in found if f["level"] == "error"}


def test_defaults_judged_and_a_false_condition_does_not_hide_a_resource(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, found, _ = scan(capsys, tmp_path)
    errors = by_resource(found)
    assert code == 1 and sorted(errors) == ["ProdDb"]
    assert (
        "created only when condition 'IsProd' holds: false with these parameter"
        in (errors["ProdDb"]["message"])
    )


def test_a_finding_from_a_default_names_the_parameter(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = TEMPLATE.replace("Default: 10.0.0.0/8", "Default: 0.0.0.0/0")
    _, found, _ = scan(capsys, tmp_path, text=text)
    message = by_resource(found)["Sg"]["message"]
    assert "parameter Cidr = '0.0.0.0/0', its Default" in message
    assert message.count("parameter Port = 22, its Default") == 1  # from and to: one note
    assert "Public" not in message and "Env" not in message  # other fields' defaults


def test_parameter_values_replace_defaults(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, found, _ = scan(
        capsys, tmp_path, "--parameter", "Cidr=0.0.0.0/0", "--parameter", "Public=true"
    )
    errors = by_resource(found)
    assert code == 1 and sorted(errors) == ["Db", "ProdDb", "Sg"]
    assert "its Default" not in errors["Db"]["message"]
    assert "parameter Port = 22, its Default" in errors["Sg"]["message"]  # still a default
    # A value that satisfies the condition: the note about it disappears.
    _, found, _ = scan(capsys, tmp_path, "--parameter", "Env=prod")
    assert "condition" not in by_resource(found)["ProdDb"]["message"]


def test_a_parameter_without_default_is_unknown_until_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = TEMPLATE.replace("CidrIp: !Ref Cidr", "CidrIp: !Ref Free")
    _, found, _ = scan(capsys, tmp_path, text=text)
    warning = next(f for f in found if f["resource"] == "Sg")
    assert warning["level"] == "warning" and "--parameter Free=VALUE" in warning["message"]
    _, found, _ = scan(capsys, tmp_path, "--parameter", "Free=0.0.0.0/0", text=text)
    assert by_resource(found)["Sg"]["rule"] == "GR-SG1"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "create-stack.json",
            [
                {"ParameterKey": "Cidr", "ParameterValue": "0.0.0.0/0"},
                {"ParameterKey": "Public", "ParameterValue": "true"},
            ],
        ),
        ("pipeline.json", {"Parameters": {"Cidr": "0.0.0.0/0", "Public": "true"}}),
        ("flat.json", {"Cidr": "0.0.0.0/0", "Public": True}),
        ("list.json", ["Cidr=0.0.0.0/0", "app:Public=true"]),
        ("lines.txt", "# prod values\nCidr=0.0.0.0/0\n\napp:Public=true\n"),
    ],
)
def test_parameters_files_in_every_form(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: Any
) -> None:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    code, found, err = scan(capsys, tmp_path, "--parameters-file", str(path))
    assert code == 1, err
    assert sorted(by_resource(found)) == ["Db", "ProdDb", "Sg"]


def test_a_value_for_another_stack_does_not_apply(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, found, _ = scan(capsys, tmp_path, "--parameter", "other:Public=true")
    assert "Db" not in by_resource(found)
    _, found, _ = scan(capsys, tmp_path, "--parameter", "app:Public=true")
    assert "Db" in by_resource(found)


def test_use_previous_value_makes_the_parameter_unknown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps([{"ParameterKey": "Public", "UsePreviousValue": True}]))
    _, found, _ = scan(capsys, tmp_path, "--parameters-file", str(path))
    db = [f for f in found if f["resource"] == "Db"]
    assert [f["level"] for f in db] == ["warning"]
    assert "keeps its previous value (UsePreviousValue)" in db[0]["message"]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--parameter", "Prot=22"], "no template scanned declares the parameter(s) Prot"),
        (["--parameter", "Cidr"], "--parameter: 'Cidr' is not KEY=VALUE or STACK:KEY=VALUE"),
        (["--parameter", "=x"], "is not KEY=VALUE"),
        (["--parameters-file", "missing.json"], "missing.json: no such file"),
    ],
)
def test_bad_parameters_exit_two_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], reason: str
) -> None:
    code, found, err = scan(capsys, tmp_path, *args)
    assert (code, found) == (2, [])
    assert err.count("\n") == 1 and reason in err, err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('[{"ParameterKey": "Cidr"}]', "Cidr has neither ParameterValue nor UsePreviousValue"),
        ('[{"Key": "Cidr"}]', 'expected {"ParameterKey", "ParameterValue"}'),
        ('{"Cidr": {"a": 1}}', "parameter Cidr must be text"),
        ('"text"', "bad.json:1: '\"text\"' is not KEY=VALUE"),
        ("[true]", 'expected {"ParameterKey", "ParameterValue"}'),
        ("[1,", "invalid JSON at line 1"),
    ],
)
def test_bad_parameters_files_exit_two(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, _, err = scan(capsys, tmp_path, "--parameters-file", str(path))
    assert code == 2 and err.count("\n") == 1 and reason in err and "bad.json" in err, err


def test_cdk_out_stacks_take_values_by_artifact_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from guardrails.scan import cfn_yaml

    out = tmp_path / "cdk.out"
    out.mkdir()
    template = cfn_yaml.load(TEMPLATE)
    for name in ("Dev", "Prod"):
        (out / f"{name}.template.json").write_text(json.dumps(template))
    (out / "manifest.json").write_text(
        json.dumps(
            {
                "version": "36.0.0",
                "artifacts": {
                    n: {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": f"{n}.template.json"},
                    }
                    for n in ("Dev", "Prod")
                },
            }
        )
    )
    code = main(["scan", "--format", "json", "--parameter", "Prod:Public=true", str(out)])
    found = json.loads(capsys.readouterr().out)
    assert code == 1
    dbs = [f["file"] for f in found if f["resource"] == "Db" and f["level"] == "error"]
    assert dbs == [str(out / "Prod.template.json")]


BRANCHES = """\
Parameters:
  Env: {Type: String, Default: prod, AllowedValues: [prod, test, dev]}
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  IsDevOrTest: !Or [!Condition IsDev, !Equals [!Ref Env, test]]
  Always: !Equals [a, a]
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: x
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
        - IpProtocol: tcp
          FromPort: 3389
          ToPort: 3389
          CidrIp: !If [IsDev, 0.0.0.0/0, 10.0.0.0/8]
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      PubliclyAccessible: !If [IsDevOrTest, true, false]
  Literal:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      PubliclyAccessible: !If [Always, false, true]
"""


def test_the_branch_a_default_did_not_take_is_judged_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """With Env=prod (the Default) the RDP rule is private and the database is not
    public; Env=dev deploys both open. Each finding names the condition and the
    parameter; what the resource breaks either way (SSH) is reported once."""
    code, found, _ = scan(capsys, tmp_path, text=BRANCHES)
    assert code == 1
    errors = [f for f in found if f["level"] == "error"]
    sg = sorted(f["message"] for f in errors if f["resource"].startswith("Sg"))
    assert len(sg) == 2
    [ssh] = [m for m in sg if "22" in m and "3389" not in m]
    [rdp] = [m for m in sg if "3389" in m]
    assert "IsDev" not in ssh  # broken whatever the branch: no condition named
    assert "when condition 'IsDev' is true: it is false only with the Default of Env" in rdp
    [db] = [f["message"] for f in errors if f["resource"].startswith("Db")]
    assert "when condition 'IsDevOrTest' is true" in db and "Default of Env" in db
    assert not [f for f in found if f["resource"].startswith("Literal")]  # literals decide


@pytest.mark.parametrize("env", ["prod", "dev"])
def test_a_given_value_decides_the_branch_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, env: str
) -> None:
    """The values of the environment being deployed are the user's word: no other branch."""
    code, found, _ = scan(capsys, tmp_path, "--parameter", f"Env={env}", text=BRANCHES)
    assert code == 1  # the SSH rule fails either way
    errors = [f for f in found if f["level"] == "error"]
    assert not any("when condition" in f["message"] for f in errors)
    resources = sorted({f["resource"].split(" ")[0] for f in errors})
    assert resources == (["Db", "Sg"] if env == "dev" else ["Sg"])
    rdp = [f for f in errors if "3389" in f["message"]]
    assert len(rdp) == (1 if env == "dev" else 0)


OWNED_BRANCHES = """\
Parameters:
  Env: {Type: String, Default: prod}
Conditions:
  IsDev: !Equals [!Ref Env, dev]
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: x
      Tags: [{Key: SecurityExemption, Value: !If [IsDev, "false", "false"]}]
  Rule:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Group
      IpProtocol: tcp
      FromPort: 22
      ToPort: 22
      CidrIp: !If [IsDev, 0.0.0.0/0, 10.0.0.0/8]
  Exempt:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: x
      Tags: [{Key: SecurityExemption, Value: "true"}]
  ExemptRule:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Exempt
      IpProtocol: tcp
      FromPort: 3389
      ToPort: 3389
      CidrIp: !If [IsDev, 0.0.0.0/0, 10.0.0.0/8]
"""


def test_the_other_branch_of_a_rule_resource_is_judged_with_its_groups_tags(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A rule resource (it configures a group): its other branch is judged on its own,
    and the group's exemption tag still counts."""
    code, found, _ = scan(capsys, tmp_path, text=OWNED_BRANCHES)
    assert code == 1
    by = {f["resource"].split(" ")[0]: f for f in found if f["rule"] == "GR-SG1"}
    assert sorted(by) == ["ExemptRule", "Rule"]
    assert by["Rule"]["level"] == "error"
    assert "when condition 'IsDev' is true" in by["Rule"]["message"]
    assert by["ExemptRule"]["level"] == "warning"  # the Exempt group's tag
    assert "exempted by tag SecurityExemption=true" in by["ExemptRule"]["message"]
