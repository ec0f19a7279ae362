"""The ``guardrails`` command line.

``guardrails replay [--mode remediate|notify] [--emulate] [--examples] FILE...`` runs the
real Lambda handler on recorded CloudTrail records (bare or in their EventBridge
envelope) and Config events, and prints one JSON line per event::

    {"file", "eventName", "policy", "decision", "reason", "changes", "after"}

With ``--emulate`` each event runs in a fresh in-memory AWS (moto) set up in the state
the event implies (see :mod:`guardrails.emulator`); without it, against the account of
the current AWS credentials. Exit status: 0 when every file was read, 2 when a file could
not be read (its line says why), 1 when the handler raised (a retryable AWS error).

``guardrails history`` and ``guardrails undo ENTRY_ID [--dry-run]`` read the remediation
ledger (see :mod:`guardrails_runtime.ledger`) with the caller's credentials; exit 2 with
one line naming the entry, table or AWS error when they cannot.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import textwrap
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def example_events() -> list[Path]:
    """The example events bundled with the package, sorted by name."""
    folder = resources.files("guardrails.examples").joinpath("events")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".json"))


def _read_event(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not text.strip():
        raise ValueError(f"{path}: empty file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected one JSON object (a CloudTrail record or an event)")
    return data


def replay(args: argparse.Namespace) -> int:
    from guardrails_runtime.aws import Clients
    from guardrails_runtime.handler import process
    from guardrails_runtime.model import Mode
    from guardrails_runtime.settings import RuntimeSettings, SettingsError

    try:
        settings = RuntimeSettings.from_env()
    except SettingsError as exc:
        print(f"guardrails replay: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.mode:
        settings = dataclasses.replace(settings, mode=Mode(args.mode), policy_modes={})
    if not settings.config_rules:
        # Outside Lambda nobody set GUARDRAILS_CONFIG_RULES: use the default stack's names.
        from guardrails.settings import GuardrailSettings

        settings = dataclasses.replace(
            settings, config_rules=GuardrailSettings().config_rule_policies()
        )
    files = [Path(f) for f in args.files] + (example_events() if args.examples else [])
    if not files:
        print("guardrails replay: no FILE given (or use --examples)", file=sys.stderr)
        return EXIT_BAD_INPUT
    status = EXIT_OK
    emit = _emit_text if args.format == "text" else _emit_json
    for path in files:
        line: dict[str, Any] = {"file": str(path)}
        try:
            event = _read_event(path)
        except ValueError as exc:
            line.update(
                eventName=None,
                policy=None,
                decision="error",
                reason=str(exc),
                changes=[],
                after=None,
            )
            emit(line)
            status = EXIT_BAD_INPUT
            continue
        try:
            if args.emulate:
                result = _run_emulated(event, settings, process)
            else:
                result = _run_live(event, settings, process, Clients())
        except Exception as exc:
            line.update(
                eventName=None,
                policy=None,
                decision="error",
                reason=f"handler raised {type(exc).__name__}: {exc}",
                changes=[],
                after=None,
            )
            emit(line)
            status = max(status, EXIT_FINDINGS)
            continue
        line.update(result)
        emit(line)
    return status


def _emit_json(line: dict[str, Any]) -> None:
    print(json.dumps(line, default=str), flush=True)


def _emit_text(line: dict[str, Any]) -> None:
    """One human line per event, then one indented line per change."""
    name = Path(line["file"]).name
    print(
        f"{line['decision']:<16} {line['policy'] or '-':<{_policy_width()}} {name}: "
        f"{line['reason']}",
        flush=True,
    )
    done = "" if line["decision"] == "remediated" else "(not done) "
    for change in line["changes"]:
        detail = change["detail"]
        what = change["resource"]
        if "ipProtocol" in detail:
            what = (
                f"{detail['groupId']} {detail['ipProtocol']} "
                f"{detail['fromPort']}-{detail['toPort']} {detail['cidr']}"
            )
        print(f"{'':<{17 + _policy_width()}}   {done}{change['action']} {what}", flush=True)


def _policy_width() -> int:
    """The widest policy id of the catalog, so that text columns line up for every policy."""
    from guardrails_runtime.policies.registry import all_rules

    return max(len(r.policy) for r in all_rules())


def _summary(outcome: Any, after: Any) -> dict[str, Any]:
    return {
        "eventName": outcome.event_name,
        "policy": outcome.policy,
        "decision": outcome.decision.value,
        "reason": outcome.reason,
        "changes": [c.as_dict() for c in outcome.changes],
        "after": after,
    }


def _run_emulated(event: dict[str, Any], settings: Any, process: Any) -> dict[str, Any]:
    """One event against the emulator. What the handler decides before calling AWS (a
    malformed record, a region no partition has) is answered as the handler alone answers
    it, with no emulator; a record whose state the emulator cannot build is
    ``unsupported`` with the emulator's reason (never "handler raised": the handler did not
    run)."""
    from guardrails import emulator
    from guardrails_runtime.aws import Clients
    from guardrails_runtime.handler import decided_before_aws
    from guardrails_runtime.ledger import table_spec

    settled = decided_before_aws(event, settings)
    if settled is not None:
        return _summary(settled, None)
    with emulator.emulated_aws():
        clients = Clients()
        region = emulator.region_of(event)
        try:
            topic = clients.get("sns", region).create_topic(Name="guardrails-findings")
            # The deployed Lambda keeps a ledger: so does the emulated one (same code path).
            ledger = table_spec("guardrails-ledger")
            clients.get("dynamodb", region).create_table(**ledger)
            prepared = emulator.prepare(event, clients, settings.config_rules)
        except Exception as exc:  # the emulator's own set-up; the handler has not run
            return _emulation_failed(event, exc)
        emulated = dataclasses.replace(
            settings,
            topic_arn=topic["TopicArn"],
            ledger_table=ledger["TableName"],
            ledger_region=region,
        )
        outcome = process(prepared, emulated, clients)
        try:
            after = emulator.after(outcome.policy, outcome.resource, region, clients)
        except Exception as exc:  # reading back is the emulator's part, not the handler's
            after = {"emulatorError": f"cannot read the resource back: {type(exc).__name__}"}
        return _summary(outcome, after)


def _emulation_failed(event: dict[str, Any], exc: Exception) -> dict[str, Any]:
    from guardrails_runtime.emulate import EmulationError
    from guardrails_runtime.events import parse
    from guardrails_runtime.model import Decision, Outcome

    # The handler settled malformed records before the emulator ran: this one parses.
    name = parse(event).event_name
    why = str(exc) if isinstance(exc, EmulationError) else f"{type(exc).__name__}: {exc}"
    reason = f"the emulator cannot build the state this record implies: {why}"
    return _summary(Outcome(name, None, Decision.UNSUPPORTED, reason), None)


def _run_live(event: dict[str, Any], settings: Any, process: Any, clients: Any) -> dict[str, Any]:
    from guardrails import emulator

    outcome = process(event, settings, clients)
    region = emulator.region_of(event)
    return _summary(outcome, emulator.after(outcome.policy, outcome.resource, region, clients))


def scan(args: argparse.Namespace) -> int:
    """``guardrails scan``: exit 1 on a finding at or above ``--fail-level`` (error by
    default; never with ``--exit-zero``), 0 otherwise, 2 on bad input."""
    from guardrails.scan import exemptions, parameters, report
    from guardrails.scan.engine import Check, ScanOptions, scan_path
    from guardrails.scan.errors import ScanInputError
    from guardrails_runtime.model import PolicyOptions

    given = parameters.Parameters()
    try:
        for path in args.parameters_files:
            parameters.read_file(Path(path), given)
        for entry in args.parameter:
            given.add(entry, "--parameter")
    except ScanInputError as exc:
        print(f"guardrails scan: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    options = ScanOptions(
        policy=PolicyOptions(
            allowed_public_ports=frozenset(args.allowed_ports),
            require_kms=args.require_kms,
            ebs_encrypted_by_default=args.ebs_encrypted_by_default,
        ),
        exemption_tag_key=args.exemption_tag_key,
        exemption_tag_value=args.exemption_tag_value,
        parameters=given,
    )
    findings = []
    checked: list[Check] = []
    exemptions_file = args.exemptions or (
        exemptions.DEFAULT_FILE if Path(exemptions.DEFAULT_FILE).is_file() else None
    )
    try:
        known = report.read_baseline(Path(args.baseline)) if args.baseline else set()
        waivers = exemptions.load(Path(exemptions_file)) if exemptions_file else []
    except (report.BaselineError, exemptions.ExemptionFileError) as exc:
        print(f"guardrails scan: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for path in args.paths:
        try:
            # Passing checks are listed by JUnit only: not collected otherwise.
            findings.extend(
                scan_path(Path(path), options, checked if args.format == "junit" else None)
            )
        except ScanInputError as exc:
            print(f"guardrails scan: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if given.unused():
        print(
            f"guardrails scan: no template scanned declares the parameter(s) "
            f"{', '.join(given.unused())} given with --parameter or --parameters-file",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    findings, suppressed = report.apply_exemptions(findings, waivers, exemptions.today())
    shown = [f for f in findings if report.fingerprint(f) not in known] if known else findings
    rendered = {
        "json": lambda: json.dumps([f.as_dict() for f in shown], indent=2) + "\n",
        "sarif": lambda: json.dumps(report.sarif(shown, suppressed=suppressed), indent=2) + "\n",
        "junit": lambda: report.junit(shown, checked, suppressed),
        "github": lambda: report.github(shown),
    }
    try:
        if args.write_baseline:
            text = json.dumps(report.baseline(findings), indent=2, sort_keys=True) + "\n"
            report.write_atomic(Path(args.write_baseline), text)
        if args.output and args.format != "text":
            report.write_atomic(Path(args.output), rendered[args.format]())
    except OSError as exc:
        where = exc.filename or args.output or args.write_baseline
        print(f"guardrails scan: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format != "text" and not args.output:
        sys.stdout.write(rendered[args.format]())
    else:
        for row in columns([[f.level.upper(), f.rule, _located(f)] for f in shown]):
            print(row)
        errors = sum(f.level == "error" for f in shown)
        hidden = len(findings) - len(shown)
        baselined = f" ({hidden} more in the baseline)" if args.baseline else ""
        waived = f", {len(suppressed)} suppressed by {exemptions_file}" if suppressed else ""
        print(
            f"{len(shown)} finding(s), {errors} error(s) in {len(args.paths)} path(s)"
            f"{baselined}{waived}",
            file=sys.stderr,
        )
    unused = [w for w in waivers if not w.used]
    for waiver in unused:
        print(
            f"guardrails scan: unused exemption {waiver.label()} in {exemptions_file}: it "
            "matches no finding (remove it)",
            file=sys.stderr,
        )
    if args.write_baseline:
        print(
            f"baseline of {len(findings)} finding(s) written to {args.write_baseline}",
            file=sys.stderr,
        )
        return EXIT_OK
    failing = {"error"} if args.fail_level == "error" else {"error", "warning"}
    if args.exit_zero:
        return EXIT_OK
    if any(f.level in failing for f in shown) or (unused and args.fail_on_unused):
        return EXIT_FINDINGS
    return EXIT_OK


def _located(finding: Any) -> str:
    """``file:line:col: resource: message`` (line and column where the file gives them)."""
    where = finding.file
    if finding.line:
        where += f":{finding.line}" + (f":{finding.column}" if finding.column else "")
    construct = f" [{finding.construct_path}]" if finding.construct_path else ""
    return f"{where}: {finding.resource}{construct}: {finding.message}"


def rules(args: argparse.Namespace) -> int:
    """``guardrails rules``: the catalog, with rule ids, levels and planes."""
    from guardrails.catalog import catalog, markdown

    if args.format == "json":
        print(json.dumps(catalog(), indent=2))
    elif args.format == "markdown":
        print(markdown(), end="")
    else:
        entries = catalog()
        for row in columns([[e["rule"], e["level"], e["policy"], e["info"]] for e in entries]):
            print(row)
    return EXIT_OK


def columns(rows: list[list[str]]) -> list[str]:
    """Rows of cells as text lines, every column but the last padded to its widest cell."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        " ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    ]


def rego_export(args: argparse.Namespace) -> int:
    """``guardrails rego export DIR``: the Rego policies and their params.json."""
    from guardrails.rego_engine import export

    try:
        written = export(Path(args.dir))
    except OSError as exc:
        where = exc.filename or args.dir
        print(
            f"guardrails rego export: cannot write {where}: {exc.strerror or exc}", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    for path in written:
        print(path)
    return EXIT_OK


def _ledger(args: argparse.Namespace) -> Any:
    """The ledger named by ``--table`` or GUARDRAILS_LEDGER_TABLE (ValueError: neither)."""
    import os

    from guardrails.ledger_ops import OperatorLedger
    from guardrails_runtime.aws import Clients
    from guardrails_runtime.settings import ENV_LEDGER_TABLE, RuntimeSettings

    table = args.table or os.environ.get(ENV_LEDGER_TABLE)
    if not table:
        raise ValueError(
            "no ledger table: pass --table (the stack output "
            f"LedgerTableName) or set {ENV_LEDGER_TABLE}"
        )
    settings = RuntimeSettings.from_env()
    return OperatorLedger(
        dataclasses.replace(settings, ledger_table=table), Clients(), region=args.region
    )


def parse_since(text: str, now: float) -> float:
    """``30m``, ``24h``, ``7d`` ago, or an ISO date/time (UTC when no zone) -> epoch seconds."""
    import re
    from datetime import UTC, datetime

    match = re.fullmatch(r"(\d+)([mhd])", text.strip())
    if match:
        return now - int(match.group(1)) * {"m": 60, "h": 3600, "d": 86400}[match.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--since: {text!r} is not a duration (30m, 24h, 7d) or an ISO date/time"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _ledger_failure(command: str, exc: Exception) -> int:
    from botocore.exceptions import ClientError

    from guardrails_runtime.aws import error_code

    if isinstance(exc, ClientError):
        operation = getattr(exc, "operation_name", "?")
        print(f"guardrails {command}: {error_code(exc)} on {operation}", file=sys.stderr)
    else:
        print(f"guardrails {command}: {exc}", file=sys.stderr)
    return EXIT_BAD_INPUT


def history(args: argparse.Namespace) -> int:
    """``guardrails history``: ledger entries, newest first."""
    import time

    from botocore.exceptions import BotoCoreError, ClientError

    from guardrails_runtime.ledger import LedgerError

    try:
        since = parse_since(args.since, time.time()) if args.since else None
        entries = _ledger(args).history(
            resource=args.resource, since=since, limit=args.limit, account=args.account
        )
    except (ValueError, LedgerError, ClientError, BotoCoreError, argparse.ArgumentTypeError) as exc:
        return _ledger_failure("history", exc)
    if args.format == "json":
        print(json.dumps(entries, indent=2, sort_keys=True, default=str))
        return EXIT_OK
    for e in entries:
        undone = (
            f"  (undone by {e['undoneBy']} at {e.get('undoneAt')})" if e.get("undoneBy") else ""
        )
        print(
            f"{e.get('at')}  {e.get('decision', '-'):<16} "
            f"{e.get('policy', '-'):<{_policy_width()}} "
            f"{e.get('resource', '-')}{_where(e)}  by {e.get('actor', '-')}  "
            f"id={e['id']}{undone}"
        )
    print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}", file=sys.stderr)
    return EXIT_OK


def members(args: argparse.Namespace) -> int:
    """``guardrails members``: a hub's member accounts and regions, and their last beats."""
    import time

    from botocore.exceptions import BotoCoreError, ClientError

    from guardrails_runtime import member_beat
    from guardrails_runtime.ledger import LedgerError

    try:
        ledger = _ledger(args)
        found = member_beat.states(ledger.beats(member_beat.BEATS_RESOURCE), time.time())
    except (ValueError, LedgerError, ClientError, BotoCoreError) as exc:
        return _ledger_failure("members", exc)
    shown = [s for s in found if s["quiet"]] if args.quiet else found
    if args.format == "json":
        print(json.dumps(shown, indent=2, sort_keys=True))
    else:
        for s in shown:
            state = "QUIET" if s["quiet"] else "beating"
            print(f"{s['account']}  {s['region']:<15} {state:<8} last beat {s['lastBeat']}")
    silent = sum(1 for s in found if s["quiet"])
    print(
        f"{len(found)} member account-region(s), {silent} quiet for over "
        f"{member_beat.QUIET_SECONDS // 3600} hours",
        file=sys.stderr,
    )
    return EXIT_FINDINGS if silent else EXIT_OK


def _where(entry: dict[str, Any]) -> str:
    """`` in <account>/<region>`` of an entry that names them (every entry since hub mode)."""
    account, region = entry.get("account"), entry.get("region")
    return f" in {account}/{region}" if account and region else ""


def undo(args: argparse.Namespace) -> int:
    """``guardrails undo ENTRY_ID``: restore what a remediation removed."""
    from botocore.exceptions import BotoCoreError, ClientError

    from guardrails.ledger_ops import Acting
    from guardrails_runtime.ledger import LedgerError

    try:
        ledger = _ledger(args)
        actor, account = ledger.caller()
        acting = (
            ledger.acting_as(args.entry_id, args.assume_role)
            if args.assume_role
            else Acting(ledger.clients, account)
        )
        result = ledger.undo(
            args.entry_id, actor=actor, dry_run=args.dry_run, force=args.force, acting=acting
        )
    except (ValueError, LedgerError, ClientError, BotoCoreError) as exc:
        return _ledger_failure("undo", exc)
    if args.format == "json":
        print(json.dumps(result, indent=2, sort_keys=True, default=str))
        return EXIT_OK
    for difference in result.get("changedSince") or []:
        print(f"changed since the entry: {difference}")
    verb = "would call" if args.dry_run else "called"
    calls = result["calls"]
    for call, outcome in zip(calls, result.get("results") or [None] * len(calls), strict=True):
        params = json.dumps(call["params"], sort_keys=True, default=str)
        done = f" -> {outcome}" if outcome else ""
        print(f"{verb} {call['service']}.{call['operation']} {params}{done}")
    if not args.dry_run:
        where = f" in account {result['account']}" if result.get("account") else ""
        print(
            f"undone{where} by {actor}: entry {result['undoEntry']}; the guardrail only "
            f"notifies about {result['resource']} until {result['holdUntil']} (tag it with the "
            "exemption tag to keep the change for good)"
        )
    return EXIT_OK


def _port_list(text: str) -> list[int]:
    from guardrails_runtime.settings import SettingsError, parse_ports

    try:
        return sorted(parse_ports(text, "--allowed-ports"))
    except SettingsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


class _Parser(argparse.ArgumentParser):
    """Bad arguments end in one line naming the command and the problem, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _command(
    sub: Any, name: str, summary: str, description: str, exits: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=textwrap.fill(f"exit status: {exits}", width=78),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    from guardrails import __version__
    from guardrails_runtime.model import DEFAULT_ALLOWED_PORTS
    from guardrails_runtime.settings import DEFAULT_EXEMPTION_KEY, DEFAULT_EXEMPTION_VALUE

    parser = _Parser(
        prog="guardrails",
        description="cdk-guardrails: cloud security policy as code that enforces itself. "
        "Check templates and plans before deployment (scan, rules, rego), test the "
        "remediation on recorded events (replay), and operate it (history, undo).",
        epilog="exit status: 0 success, 1 findings or a failed run, 2 bad input or usage; "
        "each command's --help says what its codes mean.",
    )
    parser.add_argument("--version", action="version", version=f"guardrails {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rp = _command(
        sub,
        "replay",
        "run the remediation handler on recorded events",
        "Run the real Lambda handler on recorded CloudTrail records (bare or in their\n"
        "EventBridge envelope) and Config compliance events, one JSON line per event:\n"
        '{"file", "eventName", "policy", "decision", "reason", "changes", "after"}.\n'
        "Without --emulate it acts on the account of the current AWS credentials.",
        "0 every event was read and handled, 1 the handler raised (a retryable AWS "
        "error), 2 a file could not be read or the settings are invalid",
    )
    rp.add_argument(
        "--mode",
        choices=["remediate", "notify"],
        help="override the mode for every policy (default: GUARDRAILS_MODE or notify)",
    )
    rp.add_argument(
        "--emulate",
        action="store_true",
        help="run against an in-memory AWS (moto; pip install 'cdk-guardrails[emulate]') "
        "set up in the state each event implies",
    )
    rp.add_argument(
        "--examples",
        action="store_true",
        help="also replay the example events bundled with the package",
    )
    rp.add_argument(
        "--format",
        choices=["json", "text"],
        default="json",
        help="json: one JSON line per event (the contract); text: for people",
    )
    rp.add_argument(
        "files", nargs="*", metavar="FILE", help="a JSON file holding one CloudTrail record"
    )
    rp.set_defaults(func=replay)

    sc = _command(
        sub,
        "scan",
        "check CloudFormation templates, cdk.out folders and Terraform plans",
        "Check infrastructure code against the rule catalog before it is deployed: a\n"
        "CloudFormation template (JSON or YAML), a cdk.out folder (stages and nested\n"
        "stacks included) or a Terraform plan (terraform show -json). A value that cannot\n"
        "be resolved gives a warning when some value of it could violate.",
        "0 no finding at --fail-level (or --exit-zero, or --write-baseline), 1 at least "
        "one, 2 a path or file could not be read, parsed or written (one line names it)",
    )
    sc.add_argument(
        "--format",
        choices=["text", "json", "sarif", "junit", "github"],
        default="text",
        help="text: one line per finding (file:line:col) and a summary on stderr; json: "
        "the findings {policy, rule, level, resource, file, line, column, message}; sarif: "
        "SARIF 2.1.0 for code scanning; junit: JUnit XML; github: workflow commands",
    )
    sc.add_argument(
        "--output",
        metavar="FILE",
        help="write the --format report to FILE; the text lines still go to the terminal",
    )
    sc.add_argument(
        "--fail-level",
        choices=["error", "warning"],
        default="error",
        help="the lowest level that fails the scan (exit 1); default error",
    )
    sc.add_argument("--exit-zero", action="store_true", help="report, but exit 0 whatever is found")
    sc.add_argument(
        "--exemptions",
        metavar="FILE",
        help="repository exemptions (rule, resource, reason, owner, expires); default "
        ".guardrails.yaml in the working directory when it exists",
    )
    sc.add_argument(
        "--fail-on-unused",
        action="store_true",
        help="exit 1 when an exemption of the file matches no finding",
    )
    sc.add_argument(
        "--baseline",
        metavar="FILE",
        help="leave out the findings recorded in FILE (written by --write-baseline)",
    )
    sc.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record today's findings in FILE (stable across reformatting) and exit 0",
    )
    sc.add_argument(
        "--allowed-ports",
        type=_port_list,
        default=sorted(DEFAULT_ALLOWED_PORTS),
        metavar="PORTS",
        help="ports that may be open to the internet, comma-separated (default "
        f"{','.join(map(str, sorted(DEFAULT_ALLOWED_PORTS)))})",
    )
    sc.add_argument(
        "--require-kms", action="store_true", help="s3-encryption: only SSE-KMS or DSSE-KMS pass"
    )
    sc.add_argument(
        "--ebs-encrypted-by-default",
        action="store_true",
        help="ebs-encryption: a volume that leaves encryption unset passes (the accounts "
        "enforce EBS encryption by default)",
    )
    sc.add_argument(
        "--exemption-tag-key",
        default=DEFAULT_EXEMPTION_KEY,
        metavar="KEY",
        help=f"tag key that exempts a resource (default {DEFAULT_EXEMPTION_KEY})",
    )
    sc.add_argument(
        "--exemption-tag-value",
        default=DEFAULT_EXEMPTION_VALUE,
        metavar="VALUE",
        help=f"tag value that exempts, case-insensitive (default {DEFAULT_EXEMPTION_VALUE})",
    )
    sc.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="[STACK:]KEY=VALUE",
        help="a template parameter's value instead of its Default (repeatable; STACK: for "
        "one stack only, as cdk deploy --parameters)",
    )
    sc.add_argument(
        "--parameters-file",
        dest="parameters_files",
        action="append",
        default=[],
        metavar="FILE",
        help="parameter values: CloudFormation's [{ParameterKey, ParameterValue}] JSON, "
        '{"Parameters": {...}}, {"KEY": "VALUE"}, or KEY=VALUE lines (repeatable; '
        "--parameter wins)",
    )
    sc.add_argument(
        "paths", nargs="+", metavar="PATH", help="a template, a cdk.out folder or a plan JSON"
    )
    sc.set_defaults(func=scan)

    ru = _command(
        sub,
        "rules",
        "list the rule catalog",
        "The rule catalog: each rule's id, level, policy and planes, what it finds, why it\n"
        "matters and how to fix it. --format markdown writes RULES.md.",
        "0 always",
    )
    ru.add_argument(
        "--format",
        choices=["text", "json", "markdown"],
        default="text",
        help='text: aligned columns; json: [{"id", "policy", "level", "planes", ...}]; '
        "markdown: RULES.md",
    )
    ru.set_defaults(func=rules)

    hi = _command(
        sub,
        "history",
        "list the remediation ledger, newest first",
        "Decisions recorded in the remediation ledger (DynamoDB), newest first, read with\n"
        "the current AWS credentials.",
        "0 listed, 2 no table given, or the table could not be read (one line says why)",
    )
    hi.add_argument("--resource", help="only this resource (as notifications name it)")
    hi.add_argument(
        "--account",
        type=_account_id,
        help="only this account's entries (a hub's ledger holds every member account's)",
    )
    hi.add_argument(
        "--since",
        help="30m, 24h, 7d or an ISO date/time (default: any age with --resource, else 7d)",
    )
    hi.add_argument(
        "--limit", type=_positive, default=50, help="at most this many entries (default 50)"
    )
    hi.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    _ledger_options(hi)
    hi.set_defaults(func=history)

    me = _command(
        sub,
        "members",
        "a hub's member accounts and regions, and their last beats",
        "Every member account and region whose hourly beat reached the hub in the last seven\n"
        "days (organization mode), from the hub's ledger: beating, or quiet for over two\n"
        "hours (its forwarding may be switched off).",
        "0 every member beats, 1 some member is quiet, 2 no table given, or the table could "
        "not be read (one line says why)",
    )
    me.add_argument("--quiet", action="store_true", help="only the members gone quiet")
    me.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    _ledger_options(me)
    me.set_defaults(func=members)

    un = _command(
        sub,
        "undo",
        "restore exactly what a remediation removed",
        "Put back what one remediation removed, with the current AWS credentials, and hold\n"
        "the violation for the cooldown so the restore is not reverted again. A resource\n"
        "changed since the entry is refused (the difference is shown; --force restores\n"
        "anyway); an ACL or tag set gets back only what was removed.",
        "0 restored (or shown with --dry-run), 2 unknown entry, nothing to undo, already "
        "undone, changed since the entry, or an AWS error (one line says which)",
    )
    un.add_argument("entry_id", metavar="ENTRY_ID", help="the entry id (history, notification)")
    un.add_argument("--dry-run", action="store_true", help="show the calls, change nothing")
    un.add_argument(
        "--force",
        action="store_true",
        help="restore even when the resource changed since the entry",
    )
    un.add_argument(
        "--assume-role",
        metavar="ROLE",
        help="make the calls in the entry's account through this role (a name, or the ARN "
        "of a role of that account): for a member account's entry in a hub's ledger",
    )
    un.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    _ledger_options(un)
    un.set_defaults(func=undo)

    rg = _command(
        sub,
        "rego",
        "the Rego v1 copies of the policies, for OPA and conftest",
        "The policies as Rego v1, for teams that run OPA or conftest on Terraform plans.",
        "0 written, 2 the folder could not be written (one line names it)",
    )
    rg_sub = rg.add_subparsers(dest="rego_command", required=True, metavar="COMMAND")
    ex = _command(
        rg_sub,
        "export",
        "write the .rego files and params.json into DIR",
        "Write every policy's .rego file, the shared library and params.json (the\n"
        "defaults, as data.guardrails.params) into DIR, creating it if needed.",
        "0 written, 2 DIR could not be written (one line names it)",
    )
    ex.add_argument("dir", metavar="DIR", help="folder to write into (created if needed)")
    ex.set_defaults(func=rego_export)
    return parser


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return int(text)


def _account_id(text: str) -> str:
    if len(text.strip()) != 12 or not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not an account id (12 digits)")
    return text.strip()


def _ledger_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--table", help="ledger table name (default: GUARDRAILS_LEDGER_TABLE; stack output)"
    )
    parser.add_argument("--region", help="region of the guardrail stack (default: AWS config)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a closed pipe or Ctrl-C ends quietly, never with a traceback."""
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`guardrails rules | head -1`): point stdout at devnull so
        # the interpreter's final flush does not raise again, and end quietly.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"guardrails {args.command}: interrupted", file=sys.stderr)
        return 130
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
