"""plan.json: the plan of a lab run (schema ``tcplab.plan/1``, DESIGN.md "The plan"), read back.

The lab writes the plan as `build_plan` returns it to ``captures/<run-id>/plan.json``; it holds
every pair's names, addresses and messages, and never the teacher's seed. The hand-out
(`tcplab.handout`) and grading (`tcplab.grading`) read it here. `check_plan` checks what they use
and raises `PlanFileError` with one line naming what is wrong and what a plan has there.

Students hand in one capture per scenario, named after their pair and the file the course
names (`handin_name`, the scenario's ``handin``): ``<pair>-tcp.pcap`` for reqresp and
``<pair>-upcall.pcap`` for upcall (the seeds write ``tcp.pcap`` and ``upcall.pcap``),
``<pair>-<scenario>.pcap`` for a scenario without one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..i18n import Text as T
from ..i18n import languages
from .scenarios import Scenario, read_loss

PLAN_SCHEMA = "tcplab.plan/1"
PAIR_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")  # the names the plan gives or accepts
PAIR_KINDS = ("docker", "machines")
HANDIN_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,29}")  # a scenario's capture name: tcp (tcp.pcap)


class PlanFileError(Exception):
    """A plan.json that cannot be used; `text` is the one line to show, in any language."""

    def __init__(self, text: T) -> None:
        super().__init__(str(text))
        self.text = text


def capture_name(scenario: str, spec: dict) -> str:
    """What the course calls a scenario's capture (`spec`, the plan's): its ``handin`` (``tcp``
    for reqresp, the seeds' tcp.pcap), else the scenario's name."""
    return spec.get("handin") or scenario


def handin_name(pair: str, scenario: str, spec: dict) -> str:
    """The file a pair hands in for a scenario: ``ani-budi-tcp.pcap`` for reqresp."""
    return f"{pair}-{capture_name(scenario, spec)}.pcap"


def load_plan(path: Path) -> dict:
    """The plan in `path`, checked (`check_plan`); PlanFileError when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError(T("planfile.missing", path=str(path))) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PlanFileError(T("planfile.unreadable", path=str(path), error=error)) from None
    try:
        plan = json.loads(text)
    except ValueError as error:
        raise PlanFileError(T("planfile.not_json", path=str(path), error=error)) from None
    return check_plan(plan, str(path))


def check_plan(plan: object, where: str = "plan") -> dict:
    """`plan` itself when it has what the hand-out and grading read, else PlanFileError."""
    if not isinstance(plan, dict) or plan.get("schema") != PLAN_SCHEMA:
        schema = plan.get("schema") if isinstance(plan, dict) else None
        raise PlanFileError(T("planfile.schema", path=where, schema=repr(schema),
                              expected=repr(PLAN_SCHEMA)))

    def bad(field: str, value: object, expected: str) -> PlanFileError:
        """`field` holds `value`; a plan has what ``planfile.expect.<expected>`` says."""
        shown = repr(value)
        return PlanFileError(T("planfile.bad", path=where, field=field,
                               value=shown if len(shown) <= 60 else shown[:56] + "...",
                               expected=T(f"planfile.expect.{expected}")))

    for field in ("lab_id", "run_id", "run_dir", "remote_dir"):
        if not isinstance(plan.get(field), str):
            raise bad(field, plan.get(field), "string")
    scenarios = plan.get("scenarios")
    if not isinstance(scenarios, dict) or not scenarios:
        raise bad("scenarios", scenarios, "scenarios")
    for name, spec in scenarios.items():
        if not isinstance(spec, dict):
            raise bad(f"scenarios.{name}", spec, "scenario")
        port = spec.get("port")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise bad(f"scenarios.{name}.port", port, "port")
        for field in ("server", "client", "reply_format"):
            if not isinstance(spec.get(field), str):
                raise bad(f"scenarios.{name}.{field}", spec.get(field), "string")
        if "loss" in spec and read_loss(spec["loss"]) is None:
            raise bad(f"scenarios.{name}.loss", spec["loss"], "loss")
        handin = spec.get("handin")
        if handin is not None and not (isinstance(handin, str) and HANDIN_NAME.fullmatch(handin)):
            raise bad(f"scenarios.{name}.handin", handin, "handin")
    pairs = plan.get("pairs")
    if not isinstance(pairs, list) or not pairs:
        raise bad("pairs", pairs, "pairs")
    seen: set[str] = set()
    for number, pair in enumerate(pairs, start=1):
        name = pair.get("name") if isinstance(pair, dict) else None
        if not isinstance(name, str) or not PAIR_NAME.match(name) or name in seen:
            raise bad(f"pairs[{number}].name", name, "pair_name")
        seen.add(name)
        if pair.get("kind") not in PAIR_KINDS:
            raise bad(f"pairs[{number}].kind", pair.get("kind"), "kind")
        for role in ("server", "client"):
            if not isinstance(pair.get(role), dict) or not isinstance(
                    pair[role].get("address"), str):
                raise bad(f"pairs[{number}].{role}", pair.get(role), "end")
        if not isinstance(pair.get("capture"), dict):
            raise bad(f"pairs[{number}].capture", pair.get("capture"), "capture")
        students = pair.get("students", [])
        if not isinstance(students, list) or any(
                not isinstance(s, dict) or not isinstance(s.get("name"), str)
                or not isinstance(s.get("id", ""), str) for s in students):
            raise bad(f"pairs[{number}].students", students, "students")
        messages = pair.get("messages")
        if not isinstance(messages, dict) or any(
                not isinstance(messages.get(s), list)
                or not all(isinstance(m, str) for m in messages[s]) for s in scenarios):
            raise bad(f"pairs[{number}].messages", messages, "messages")
    return plan


def plan_language(plan: dict) -> str:
    """The plan's report language (lab_report_language) when tcplab speaks it, else English."""
    code = plan.get("report_language")
    return code if isinstance(code, str) and code in languages() else "en"


def scenario_specs(plan: dict) -> dict[str, Scenario]:
    """The plan's scenarios as the analyzer reads them: port and reply rule."""
    return {name: Scenario(name, spec["port"], spec["reply_format"],
                           tuple(spec.get("messages") or ()), read_loss(spec.get("loss")))
            for name, spec in plan["scenarios"].items()}
