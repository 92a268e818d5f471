"""Grading the captures students took by hand: whose each one is, which scenario, and how it went.

Usage::

    python -m tcplab.grade SUBMISSIONS_DIR [--plan PLAN_JSON] [--out DIR] [--language en|id]

SUBMISSIONS_DIR holds what the students handed in (any layout: every ``*.pcap``, ``*.pcapng`` and
``*.cap`` below it is read). PLAN_JSON is the plan of the run whose hand-out they followed
(default ``captures/latest/plan.json`` under the current folder, and the first line says so); it
says each pair's messages and the scenarios' ports and reply rules. For every capture:

- **whose**: the pair whose name the file name starts with, followed by ``-`` or ``_``
  (``ani-budi-tcp.pcap``, ``ani-budi_upcall.pcap``; the longest such name wins; letter case is
  ignored); else the pair whose own messages it carries (`carried`: messages given to one pair
  only - generated from the teacher's seed, or the pair's own in the roster); else unknown;
- **which scenario**: the server port of its first conversation on a scenario's port (the plan's
  ports: 2222 reqresp and 4141 upcall unless the plan moved them); else the file name (``tcp``
  is reqresp, as the seeds name it); else the scenario whose messages it carries;
- **the grade**: the analyzer's verdict (`tcplab.analyze`) against THAT pair's messages for the
  scenario and the scenario's reply rule: the handshake, every message and its correct reply in
  order, the teardown; the seeds' programs, which send bare text, are read one message per
  segment.

A capture is flagged, and so never complete, when it carries the messages of a pair other than
the one it is named for or matched to ("carries the messages of pair X": a copied capture), when
its messages belong to no pair, and when whose it is stays unknown. Files with the same content
are noted on each other.

The report is written into DIR (default SUBMISSIONS_DIR) exactly as for a run
(`tcplab.report.write_run_report`): report.html, .md, .json, grades.csv (one row per pair of the
plan and scenario, ``missing`` where no capture is the pair's; one row more per capture that is
nobody's or a pair's second of a scenario), the ladders, and summary.txt, the table printed last.
Exit status 0 whatever the grades; 2 with one line on a usage error (no such folder, plan missing
or unreadable, bad option).
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import i18n
from .analyze import analyze_conversation
from .cli import Arguments, print_written
from .connection import assign_roles, conversations
from .i18n import Language
from .i18n import Text as T
from .manifest import CAPTURE_SUFFIXES, CaptureJob, Run, sha256_of
from .model import C2S, Conversation
from .pcapread import CaptureError, read_capture
from .planfile import (SEED_CAPTURE_NAMES, PlanFileError, load_plan, plan_language,
                       scenario_specs)
from .report import Written, write_run_report

LATEST_PLAN = Path("captures") / "latest" / "plan.json"
SHOWN_MESSAGES = 3  # messages quoted in a reason


@dataclass
class Submission:
    """One handed-in capture and what was found out about it before grading."""

    path: Path
    name: str  # relative to the submissions folder, with "/"
    named_as: str | None = None  # the pair the file name starts with
    scenario: str | None = None
    scenario_from: str | None = None  # "server port", "file name", "messages"
    port: int | None = None  # the scenario conversation's server port
    sent: list[str] = field(default_factory=list)  # the client's messages in the capture
    carries: dict[str, int] = field(default_factory=dict)  # pair -> its own messages found
    owner: str | None = None
    owner_from: str | None = None  # "file name", "messages"
    same_as: list[str] = field(default_factory=list)  # other files with the same content
    unreadable: bool = False


@dataclass(frozen=True)
class MessageOwners:
    """Which pairs (and scenarios) of the plan were given each message."""

    owners: dict[str, set[tuple[str, str]]]

    @classmethod
    def of(cls, plan: dict) -> MessageOwners:
        owners: dict[str, set[tuple[str, str]]] = {}
        for pair in plan["pairs"]:
            for scenario, messages in pair["messages"].items():
                for message in messages:
                    owners.setdefault(message, set()).add((pair["name"], scenario))
        return cls(owners)

    def pair_of(self, message: str) -> str | None:
        """The one pair given `message`, None when no pair or several pairs were."""
        pairs = {pair for pair, _ in self.owners.get(message, ())}
        return pairs.pop() if len(pairs) == 1 else None

    def known(self, message: str) -> bool:
        return message in self.owners


# --- finding out whose each capture is ---------------------------------------------------------

def find_captures(folder: Path) -> list[Path]:
    """Every capture file below `folder`, in path order."""
    return sorted(path for path in folder.rglob("*")
                  if path.suffix.lower() in CAPTURE_SUFFIXES and path.is_file())


def pair_from_name(file_name: str, pairs: list[str]) -> str | None:
    """The pair `file_name` starts with, followed by "-" or "_"; the longest such; any case."""
    name = file_name.lower()
    named = [pair for pair in pairs if name.startswith(pair) and name[len(pair):][:1] in ("-", "_")]
    return max(named, key=len) if named else None


def scenario_from_name(file_name: str, pair: str | None, scenarios: list[str]) -> str | None:
    """The scenario a file name says after its pair: ``tcp`` (the seeds' tcp.pcap) or a name."""
    stem = file_name.lower().rsplit(".", 1)[0]
    rest = stem[len(pair) + 1:] if pair else stem
    words = set(re.split(r"[-_. ]+", rest))
    said = [name for name in scenarios
            if name.lower() in words or SEED_CAPTURE_NAMES.get(name) in words]
    return said[0] if len(said) == 1 else None


def scenario_conversation(found: list[Conversation],
                          ports: dict[int, str]) -> tuple[Conversation | None, int | None]:
    """The first conversation on a scenario's server port, and that port.

    Either end counts when the roles were only guessed (no handshake in the capture).
    """
    for conversation in found:
        if conversation.server.port in ports:
            return conversation, conversation.server.port
        if conversation.roles_from != "handshake" and conversation.client.port in ports:
            return conversation, conversation.client.port
    return None, None


def scenario_ports(plan: dict) -> dict[int, str]:
    """Server port -> scenario: the plan's ports, and a well-known port the plan leaves free."""
    ports = {spec["port"]: name for name, spec in plan["scenarios"].items()}
    for name, known in (("reqresp", 2222), ("upcall", 4141)):
        if name in plan["scenarios"]:
            ports.setdefault(known, name)
    return ports


def examine(path: Path, folder: Path, plan: dict, owners: MessageOwners) -> Submission:
    """Whose capture `path` is and of which scenario, from its name, port and messages."""
    found = Submission(path, path.relative_to(folder).as_posix())
    found.named_as = pair_from_name(path.name, [pair["name"] for pair in plan["pairs"]])
    ports = scenario_ports(plan)
    try:
        capture = read_capture(path)
    except CaptureError:
        found.unreadable = True
    else:
        talks = [assign_roles(packets, None) for packets in conversations(capture.packets)]
        conversation, port = scenario_conversation(talks, ports)
        if conversation is not None and port is not None:
            found.scenario, found.scenario_from, found.port = ports[port], "server port", port
            conversation = assign_roles(conversation.packets, port)
        else:
            with_data = [c for c in talks if any(p.length for p in c.packets)]
            conversation = with_data[0] if with_data else None
        if conversation is not None:
            analysis = analyze_conversation(conversation, capture.first_time or 0.0, None,
                                            None, None)
            found.sent = [item.text for item in analysis.messages[C2S].items]
    found.carries = carried(found.sent, owners)
    if found.scenario is None:
        named = scenario_from_name(path.name, found.named_as, list(plan["scenarios"]))
        by_messages = {scenario for message in found.sent if owners.pair_of(message)
                       for _, scenario in owners.owners[message]}
        if named is not None:
            found.scenario, found.scenario_from = named, "file name"
        elif len(by_messages) == 1:
            found.scenario, found.scenario_from = by_messages.pop(), "messages"
    if found.named_as is not None:
        found.owner, found.owner_from = found.named_as, "file name"
    elif found.carries:
        best = max(found.carries.values())
        leaders = [pair for pair, count in found.carries.items() if count == best]
        if len(leaders) == 1:
            found.owner, found.owner_from = leaders[0], "messages"
    return found


def carried(sent: list[str], owners: MessageOwners) -> dict[str, int]:
    """Pair -> how many of its own messages (given to it alone) `sent` holds, most first."""
    counts = Counter(owners.pair_of(message) for message in set(sent))
    counts.pop(None, None)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def flags(found: Submission, owners: MessageOwners, ports: dict[int, str]) -> list[T]:
    """Why the capture cannot count as its pair's own run of the lab (empty when it can)."""
    reasons: list[T] = []
    if found.owner is None:
        reasons.append(T("grade.several_owners", pairs=", ".join(found.carries))
                       if found.carries else T("grade.unknown_owner"))
    reasons += [T("grade.copied", pair=pair) for pair in found.carries if pair != found.owner]
    if found.sent and not any(owners.known(message) for message in found.sent):
        shown = [repr(message) for message in found.sent[:SHOWN_MESSAGES]]
        reasons.append(T("grade.no_pair", messages=", ".join(
            shown + (["..."] if len(found.sent) > SHOWN_MESSAGES else []))))
    if found.scenario is None and not found.unreadable:
        reasons.append(T("grade.no_scenario", ports=", ".join(
            f"{port} ({name})" for port, name in sorted(ports.items()))))
    return reasons


def notes(found: Submission) -> list[T]:
    """How whose the capture is and its scenario were found."""
    said: list[T] = []
    if found.owner_from == "file name":
        said.append(T("grade.note_named", pair=found.owner))
    elif found.owner_from == "messages":
        said.append(T("grade.note_by_messages", pair=found.owner,
                      count=found.carries[found.owner or ""]))
    if found.scenario_from == "server port":
        said.append(T("grade.note_scenario_port", scenario=found.scenario, port=found.port))
    elif found.scenario_from is not None:
        said.append(T(f"grade.note_scenario_{found.scenario_from.replace(' ', '_')}",
                      scenario=found.scenario))
    if found.same_as:
        said.append(T("grade.note_same_file", files=", ".join(found.same_as)))
    return said


def submission_record(found: Submission) -> dict:
    """report.json's ``submission`` of a capture: whose it is and how that was found."""
    return {"file": found.name, "pair": found.owner, "owner_from": found.owner_from,
            "named_as": found.named_as, "scenario_from": found.scenario_from,
            "carries": dict(found.carries), "same_as": list(found.same_as)}


# --- grading -----------------------------------------------------------------------------------

def capture_job(found: Submission, plan: dict, owners: MessageOwners) -> CaptureJob:
    """What the analyzer expects of a handed-in capture: its pair's messages, its scenario's
    reply rule; and the flags and notes found out before."""
    specs = scenario_specs(plan)
    pair = next((p for p in plan["pairs"] if p["name"] == found.owner), None)
    spec = specs.get(found.scenario or "")
    expected = list(pair["messages"][found.scenario]) if pair and spec else None
    return CaptureJob(
        pair=found.owner or found.name, scenario=found.scenario or "unknown",
        pcap=found.path, pcap_name=found.name, spec=spec, messages=expected,
        server_port=found.port or (spec.port if spec else None),
        reasons=list(flags(found, owners, scenario_ports(plan))), notes=list(notes(found)),
        expected_from="plan", submission=submission_record(found))


def _same_content(found: list[Submission]) -> None:
    """Note on each file the other files with exactly its bytes."""
    by_hash: dict[str, list[Submission]] = {}
    for item in found:
        by_hash.setdefault(sha256_of(item.path), []).append(item)
    for group in by_hash.values():
        for item in group:
            item.same_as = [other.name for other in group if other is not item]


def _order(found: Submission) -> tuple[int, str]:
    """A pair's capture named for it comes first, then one matched by messages, then others."""
    return ({"file name": 0, "messages": 1}.get(found.owner_from or "", 2), found.name)


def grade_run(folder: Path, plan: dict, plan_path: Path) -> Run:
    """The handed-in captures of `folder` as a run the report reads, each judged as its pair's."""
    owners = MessageOwners.of(plan)
    found = [examine(path, folder, plan, owners) for path in find_captures(folder)]
    _same_content(found)
    found.sort(key=_order)
    run_notes: list[str] = [T("grade.source", run_id=plan["run_id"], plan=str(plan_path))]
    if not any(owners.pair_of(message) for message in owners.owners):
        run_notes.append(T("grade.no_own_messages"))
    return Run(root=folder, manifest=None, run_id=None,
               jobs=[capture_job(item, plan, owners) for item in found],
               pairs=[pair["name"] for pair in plan["pairs"]], scenarios=list(plan["scenarios"]),
               notes=run_notes,
               plan={"path": str(plan_path), "run_id": plan["run_id"], "lab_id": plan["lab_id"]})


def grade(folder: Path, plan_path: Path, out: Path | None = None,
          lang: Language | str | None = None) -> Written:
    """Grade every capture in `folder` against the plan in `plan_path`; write the report to
    `out` (default `folder`). `lang` defaults to the plan's report language."""
    started = time.perf_counter()
    plan = load_plan(plan_path)
    if not isinstance(lang, Language):
        lang = i18n.language(lang or plan_language(plan))
    folder = folder.resolve()
    return write_run_report(grade_run(folder, plan, plan_path.resolve()), out or folder, lang,
                            started)


# --- the command line --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = Arguments(
        prog="python -m tcplab.grade",
        description="Grade the captures students took by hand against the plan of their run: "
                    "whose each is (file name, else its messages), its scenario (server port), "
                    "its verdict; flags copied captures. Writes report.html, report.md, "
                    "report.json, grades.csv, summary.txt and the ladders.")
    parser.add_argument("folder", type=Path, metavar="SUBMISSIONS_DIR",
                        help="the folder of handed-in captures (*.pcap, *.pcapng, any depth)")
    parser.add_argument("--plan", type=Path, metavar="PLAN_JSON",
                        help=f"the plan of the students' run (default: {LATEST_PLAN})")
    parser.add_argument("--out", type=Path, help="write the report here instead of "
                                                 "SUBMISSIONS_DIR")
    parser.add_argument("--language", choices=list(i18n.languages()),
                        help="language of the report (default: the plan's, else en)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lang = i18n.language(args.language or "en")
    if not args.folder.is_dir():
        parser.error(lang.t("grade.cli_no_folder", path=args.folder) if not args.folder.exists()
                     else lang.t("cli.not_a_folder", option="SUBMISSIONS_DIR", path=args.folder))
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        parser.error(lang.t("cli.not_a_folder", option="--out", path=args.out))
    plan_path = args.plan or LATEST_PLAN
    try:
        plan = load_plan(plan_path)
    except PlanFileError as error:
        parser.error(lang.render(error.text))
    lang = i18n.language(args.language or plan_language(plan))
    if args.plan is None:
        print(lang.t("grade.cli_latest", path=LATEST_PLAN, target=LATEST_PLAN.resolve()))
    folder = args.folder.resolve()
    written = write_run_report(grade_run(folder, plan, plan_path.resolve()), args.out or folder,
                               lang, started)
    print_written(written, lang)
    return 0


if __name__ == "__main__":
    sys.exit(main())
