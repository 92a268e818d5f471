"""Grading the captures students took by hand: whose each one is, which scenario, and how it went.

Usage::

    python -m tcplab.grade HANDINS [--plan PLAN_JSON] [--out DIR] [--language en|id]

HANDINS is what the students handed in: a folder (any layout) or a zip - the course platform's
"download all submissions" as it is (`tcplab.intake` takes either in safely: no link followed,
no path outside it, sizes bounded). PLAN_JSON is the plan of the run whose hand-out they followed
(default ``captures/latest/plan.json`` under the current folder, and the first line says so); it
says each pair's messages, students, and the scenarios' ports and reply rules.

Every file is read once, on its own: whatever it holds, it gets a verdict and a reason, and no
file changes another's. For a capture:

- **which scenario**: every conversation on a scenario's server port (2222 reqresp and 4141
  upcall unless the plan moved them) is an *attempt* at that scenario, so one file may hold both
  scenarios and several attempts; a file with none is read by its name (``tcp`` is reqresp, as the
  seeds name it) or by the messages it carries;
- **whose**: the pair of the student the platform says handed it in (a roster that lists each
  pair's ``students``); else the pair whose name the file name (or a folder it is in) starts with,
  followed by ``-`` or ``_`` (``ani-budi-tcp.pcap``; the longest; any case); else the pair whose
  own messages it carries (messages given to one pair only: from the teacher's seed, or the pair's
  own in the roster); else unknown;
- **the grade**: each attempt is judged by the analyzer (`tcplab.analyze`) against THAT pair's
  messages and the scenario's reply rule: the handshake, every message and its correct reply in
  order, the teardown. Of all a pair's attempts at a scenario, in any of its files, the best
  counts (complete first, then the most replies right, then the first); the others are listed.

A capture is flagged, and so never complete, when it carries the messages of a pair other than
its own ("carries the messages of pair X": a copied capture), when its messages belong to no
pair, and when whose it is stays unknown. Files with the same content are noted on each other.
A file that is not a capture, or holds no conversation of any scenario, is listed with its
reason and counts for no pair.

The report goes to DIR (default: beside the hand-ins, ``<name>-graded``; never into them):
report.html, .md, .json, grades.csv (one row per pair of the plan and scenario, ``missing``
where no capture is the pair's), gradebook.csv (one row per student, for the course's grade book:
`tcplab.gradebook`), the ladders, summary.txt (the table printed last) and, when a file caused an
internal error, errors.log with its traceback. Exit status 0 whatever the grades; 2 with one line
on a usage error (no such hand-ins, plan missing or unreadable, an output folder that is not
ours, bad option).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import i18n
from .analyze import analyze_conversation, conversation_reasons, expect, judge, unreadable
from .cli import Arguments, print_written
from .connection import assign_roles, carries_data, conversations, on_port
from .gradebook import write_gradebook
from .i18n import Language
from .i18n import Text as T
from .intake import HANDINS, HandIn, IntakeError, same_person, take
from .manifest import CaptureJob, Run, sha256_of
from .model import C2S, CaptureAnalysis, Conversation, ConversationAnalysis
from .names import shown
from .output import Output, OutputError
from .pcapread import Capture, CaptureError, gc_paused, read_capture
from .planfile import (SEED_CAPTURE_NAMES, PlanFileError, load_plan, plan_language,
                       scenario_specs)
from .report import Written, write_run_report

LATEST_PLAN = Path("captures") / "latest" / "plan.json"
SHOWN_MESSAGES = 3  # messages quoted in a reason
MARKER = ".tcplab-graded"  # in an output folder grading made: it may write there again
SHOWN_ATTEMPTS = 5  # other attempts named in a note


@dataclass
class Attempt:
    """One conversation of a capture taken for an attempt at a scenario."""

    scenario: str
    port: int | None
    scenario_from: str  # "server port", "file name", "messages"
    conversation: Conversation | None  # None: the file names the scenario but holds no attempt
    analysis: ConversationAnalysis | None
    submission: Submission
    reasons: list[str] = field(default_factory=list)  # once judged for its pair

    @property
    def sent(self) -> list[str]:
        return [m.text for m in self.analysis.messages[C2S].items] if self.analysis else []

    @property
    def first_packet(self) -> int:
        return self.conversation.packets[0].number if self.conversation else 0


@dataclass
class Submission:
    """One handed-in file and what was found out about it."""

    item: HandIn
    capture: Capture | None = None
    found: list[Conversation] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    problem: T | None = None  # why it is not a capture that can be read
    named_as: str | None = None  # the pair its file (or folder) name starts with
    submitted_by: str | None = None  # the pair of the student the platform names
    carries: dict[str, int] = field(default_factory=dict)  # pair -> its own messages found
    owner: str | None = None
    owner_from: str | None = None  # "submitter", "file name", "messages"
    same_as: list[str] = field(default_factory=list)  # other files with the same content

    @property
    def name(self) -> str:
        return self.item.name

    @property
    def sent(self) -> list[str]:
        return [message for attempt in self.attempts for message in attempt.sent]


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

def pair_from_name(file_name: str, pairs: list[str]) -> str | None:
    """The pair `file_name` starts with, followed by "-" or "_"; the longest such; any case."""
    name = file_name.lower()
    named = [pair for pair in pairs if name.startswith(pair) and name[len(pair):][:1] in ("-", "_")]
    return max(named, key=len) if named else None


def pair_from_folders(folders: tuple[str, ...], pairs: list[str]) -> str | None:
    """The pair a folder of the file is named for (its own name, or starting as a file name
    does), the nearest folder first."""
    for folder in reversed(folders):
        if folder.lower() in pairs:
            return folder.lower()
        named = pair_from_name(folder, pairs)
        if named:
            return named
    return None


def scenario_from_name(file_name: str, pair: str | None, scenarios: list[str]) -> str | None:
    """The scenario a file name says after its pair: ``tcp`` (the seeds' tcp.pcap) or a name."""
    stem = file_name.lower().split(".", 1)[0]
    rest = stem[len(pair) + 1:] if pair and stem.startswith(pair) else stem
    words = set(re.split(r"[-_. ]+", rest))
    said = [name for name in scenarios
            if name.lower() in words or SEED_CAPTURE_NAMES.get(name) in words]
    return said[0] if len(said) == 1 else None


def scenario_ports(plan: dict) -> dict[int, str]:
    """Server port -> scenario: the plan's own ports (a scenario is data, the plan says it)."""
    return {spec["port"]: name for name, spec in plan["scenarios"].items()}


def roster_pair(plan: dict, item: HandIn) -> str | None:
    """The pair whose roster lists the student the platform says handed `item` in."""
    if item.submitter is None:
        return None
    for pair in plan["pairs"]:
        for student in pair.get("students") or []:
            if same_person(student["name"], item.submitter) or (
                    student.get("id") and student["id"] == item.submitter.number):
                return pair["name"]
    return None


def examine(item: HandIn, plan: dict, owners: MessageOwners) -> Submission:
    """Read one hand-in once: its attempts at each scenario, and whose it is."""
    found = Submission(item)
    names = [pair["name"] for pair in plan["pairs"]]
    found.named_as = pair_from_name(item.file_name, names) or pair_from_folders(item.folders,
                                                                                names)
    found.submitted_by = roster_pair(plan, item)
    try:
        if item.path is None:
            found.problem = item.refused
        else:  # the payloads of the scenarios' ports are all grading reads
            found.capture = read_capture(item.path, frozenset(scenario_ports(plan)))
    except CaptureError as bad:
        found.problem = bad.text
    if found.capture is None:  # a file named for a pair and a scenario is still that pair's
        named = scenario_from_name(item.file_name, found.named_as, list(plan["scenarios"]))
        owner = found.submitted_by or found.named_as
        if owner is not None and named is not None:
            found.owner = owner
            found.owner_from = "submitter" if found.submitted_by else "file name"
            found.attempts.append(Attempt(named, None, "file name", None, None, found))
        return found
    found.found = [assign_roles(packets, None) for packets in conversations(
        found.capture.packets)]
    time_zero = found.capture.first_time or 0.0
    for port, scenario in scenario_ports(plan).items():
        for conversation in on_port(found.found, port):
            if conversation.roles_from == "handshake" or carries_data(conversation):
                found.attempts.append(Attempt(
                    scenario, port, "server port", conversation,
                    analyze_conversation(conversation, time_zero, None, None, None), found))
    if not found.attempts:  # the conversation to read is on another port: read it all
        found.capture = read_capture(item.path)
        found.found = [assign_roles(packets, None) for packets in conversations(
            found.capture.packets)]
        _attempt_elsewhere(found, plan, owners, time_zero)
    found.carries = carried(found.sent, owners)
    if found.submitted_by is not None:
        found.owner, found.owner_from = found.submitted_by, "submitter"
    elif found.named_as is not None:
        found.owner, found.owner_from = found.named_as, "file name"
    elif found.carries:
        best = max(found.carries.values())
        leaders = [pair for pair, count in found.carries.items() if count == best]
        if len(leaders) == 1:
            found.owner, found.owner_from = leaders[0], "messages"
    if found.owner is None and all(a.scenario_from != "server port" for a in found.attempts):
        found.attempts = []  # nobody's, and not on a scenario's port: no lab conversation at all
    found.attempts.sort(key=lambda attempt: attempt.first_packet)
    return found


def _attempt_elsewhere(found: Submission, plan: dict, owners: MessageOwners,
                       time_zero: float) -> None:
    """No conversation on a scenario's port: the first with data, if the file's name or the
    messages in it say the scenario; else, a file named for a scenario holds no attempt at it."""
    assert found.capture is not None
    talk = next((c for c in found.found if carries_data(c)), None)
    analysis = analyze_conversation(talk, time_zero, None, None, None) if talk else None
    sent = [m.text for m in analysis.messages[C2S].items] if analysis else []
    named = scenario_from_name(found.item.file_name, found.named_as, list(plan["scenarios"]))
    by_messages = {scenario for message in sent if owners.pair_of(message)
                   for _, scenario in owners.owners[message]}
    if named is not None:
        scenario, source = named, "file name"
    elif len(by_messages) == 1:
        scenario, source = by_messages.pop(), "messages"
    else:
        return
    if talk is None:
        found.attempts.append(Attempt(scenario, None, source, None, None, found))
    else:
        found.attempts.append(Attempt(scenario, talk.server.port, source, talk, analysis, found))


def carried(sent: list[str], owners: MessageOwners) -> dict[str, int]:
    """Pair -> how many of its own messages (given to it alone) `sent` holds, most first."""
    counts = Counter(owners.pair_of(message) for message in set(sent))
    counts.pop(None, None)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def flags(attempt: Attempt, owners: MessageOwners) -> list[T]:
    """Why the attempt cannot count as its pair's own run of the lab (empty when it can)."""
    found = attempt.submission
    reasons: list[T] = []
    if found.owner is None:
        reasons.append(T("grade.several_owners", pairs=", ".join(found.carries))
                       if found.carries else T("grade.unknown_owner"))
    sent = attempt.sent
    reasons += [T("grade.copied", pair=pair) for pair in carried(sent, owners)
                if pair != found.owner]
    if found.owner_from == "submitter" and found.named_as not in (None, found.owner):
        reasons.append(T("grade.named_for_other", pair=found.named_as))
    if sent and not any(owners.known(message) for message in sent):
        shown_messages = [repr(message) for message in sent[:SHOWN_MESSAGES]]
        reasons.append(T("grade.no_pair", messages=", ".join(
            shown_messages + (["..."] if len(sent) > SHOWN_MESSAGES else []))))
    return reasons


def notes(attempt: Attempt) -> list[T]:
    """How whose the capture is and its scenario were found."""
    found = attempt.submission
    said: list[T] = []
    if found.owner_from == "submitter" and found.item.submitter is not None:
        said.append(T("grade.note_submitter", pair=found.owner,
                      student=shown(found.item.submitter.name)))
    elif found.owner_from == "file name":
        said.append(T("grade.note_named", pair=found.owner))
    elif found.owner_from == "messages":
        said.append(T("grade.note_by_messages", pair=found.owner,
                      count=found.carries[found.owner or ""]))
    if attempt.scenario_from == "server port":
        said.append(T("grade.note_scenario_port", scenario=attempt.scenario, port=attempt.port))
    else:
        key = attempt.scenario_from.replace(" ", "_")
        said.append(T(f"grade.note_scenario_{key}", scenario=attempt.scenario))
    if found.same_as:
        said.append(T("grade.note_same_file", files=", ".join(found.same_as)))
    return said


def submission_record(attempt: Attempt) -> dict:
    """report.json's ``submission`` of a capture: whose it is and how that was found."""
    found = attempt.submission
    submitter = found.item.submitter
    return {"file": found.name, "pair": found.owner, "owner_from": found.owner_from,
            "named_as": found.named_as, "scenario_from": attempt.scenario_from,
            "submitter": None if submitter is None else {
                "name": shown(submitter.name), "number": submitter.number,
                "platform": submitter.platform},
            "carries": dict(found.carries), "same_as": list(found.same_as),
            "attempt_packets": [attempt.first_packet] if attempt.conversation else []}


# --- grading -----------------------------------------------------------------------------------

def judge_attempt(attempt: Attempt, plan: dict, owners: MessageOwners) -> None:
    """Set the attempt's exchanges against its pair's messages, and its reasons."""
    specs = scenario_specs(plan)
    spec = specs.get(attempt.scenario)
    pair = next((p for p in plan["pairs"] if p["name"] == attempt.submission.owner), None)
    expected = list(pair["messages"][attempt.scenario]) if pair and spec else None
    reasons: list[str] = list(flags(attempt, owners))
    if attempt.submission.problem is not None:
        reasons.append(attempt.submission.problem)
    elif attempt.analysis is not None:
        expect(attempt.analysis, spec, expected, None, "plan")
        reasons += conversation_reasons(attempt.analysis, expected_given=expected is not None)
    else:
        reasons.append(T("reason.no_conversation", port=spec.port if spec else None))
    attempt.reasons = reasons


def _rank(attempt: Attempt) -> tuple:
    """Best first: complete, then the most replies right, then the earliest."""
    right = sum(1 for item in attempt.analysis.exchanges if item.reply_ok
                and item.request_ok is not False) if attempt.analysis else -1
    return (bool(attempt.reasons), attempt.submission.capture is None, -right,
            len(attempt.reasons), attempt.submission.name, attempt.first_packet)


def attempt_label(attempt: Attempt) -> T:
    """``upcall.pcapng, packets 40-62: complete`` (or the first reason)."""
    packets = attempt.conversation.packets if attempt.conversation else []
    where = (T("grade.attempt_at", file=attempt.submission.name, first=packets[0].number,
               last=packets[-1].number) if packets else T("grade.attempt_in",
                                                          file=attempt.submission.name))
    state = T("grade.attempt_complete") if not attempt.reasons else attempt.reasons[0]
    return T("grade.attempt", where=where, state=state)


def graded(attempts: list[Attempt], key: str, plan: dict,
           owners: MessageOwners) -> CaptureAnalysis:
    """The best of a pair's attempts at a scenario, judged; the others named in its notes."""
    ranked = sorted(attempts, key=_rank)
    best = ranked[0]
    found = best.submission
    specs = scenario_specs(plan)
    spec = specs.get(best.scenario)
    pair = next((p for p in plan["pairs"] if p["name"] == found.owner), None)
    extra = [T("grade.other_attempts", count=len(ranked) - 1, list=" | ".join(
        attempt_label(a) for a in ranked[1:SHOWN_ATTEMPTS + 1]))] if len(ranked) > 1 else []
    job = CaptureJob(
        pair=key, scenario=best.scenario, pcap=found.item.path or Path(os.devnull),
        pcap_name=found.name, spec=spec,
        messages=list(pair["messages"][best.scenario]) if pair and spec else None,
        server_port=best.port or (spec.port if spec else None),
        reasons=list(flags(best, owners)), notes=list(notes(best)),
        expected_from="plan", submission=submission_record(best))
    if found.capture is None:
        assert found.problem is not None
        result = unreadable(job, T("error.in_file", file=found.name, problem=found.problem),
                            job.notes + extra)
        return result
    return judge(job, found.capture, found.found, best.conversation, best.analysis, extra)


def _same_content(found: list[Submission]) -> None:
    """Note on each file the other files with exactly its bytes."""
    by_hash: dict[str, list[Submission]] = {}
    for item in found:
        if item.capture is not None and item.item.path is not None:
            by_hash.setdefault(sha256_of(item.item.path), []).append(item)
    for group in by_hash.values():
        for item in group:
            item.same_as = [other.name for other in group if other is not item]


def not_graded_record(found: Submission, plan: dict) -> dict:
    """report.json's ``not_graded`` entry: a file that counts for no pair, and why."""
    if found.problem is not None:
        reason = found.problem
    else:
        reason = T("grade.no_scenario", ports=", ".join(
            f"{port} ({name})" for port, name in sorted(scenario_ports(plan).items())))
    submitter = found.item.submitter
    return {"file": found.name, "reason": reason, "pair": found.owner or found.named_as
            or found.submitted_by, "submitter": None if submitter is None else {
                "name": shown(submitter.name), "number": submitter.number,
                "platform": submitter.platform}}


def grade_run(handins: list[HandIn], plan: dict, plan_path: Path, source: Path,
              output: Output) -> Run:
    """The hand-ins judged: one result per pair and scenario, the files that count for none."""
    owners = MessageOwners.of(plan)
    found: list[Submission] = []
    for item in handins:
        try:
            with gc_paused():
                found.append(examine(item, plan, owners))
        except Exception:  # a bug costs this file, never the class: its traceback is logged
            output.error(f"reading {item.name}")
            found.append(Submission(item, problem=T("grade.internal_error")))
    _same_content(found)
    by_key: dict[tuple[str, str], list[Attempt]] = {}
    results: list[CaptureAnalysis] = []
    not_graded: list[dict] = []
    for submission in found:
        for attempt in submission.attempts:
            try:
                judge_attempt(attempt, plan, owners)
            except Exception:
                output.error(f"grading {submission.name}")
                attempt.reasons = [T("grade.internal_error")]
                attempt.analysis = None
            key = submission.owner or submission.name
            by_key.setdefault((key, attempt.scenario), []).append(attempt)
        if not submission.attempts:
            not_graded.append(not_graded_record(submission, plan))
    order = {pair["name"]: index for index, pair in enumerate(plan["pairs"])}
    for (key, scenario), attempts in sorted(by_key.items(), key=lambda item: (
            order.get(item[0][0], len(order)), item[0][0], list(plan["scenarios"]).index(
                item[0][1]))):
        try:
            results.append(graded(attempts, key, plan, owners))
        except Exception:
            output.error(f"judging {key} / {scenario}")
            best = attempts[0]
            job = CaptureJob(pair=key, scenario=scenario, pcap=Path(os.devnull),
                             pcap_name=best.submission.name, expected_from="plan",
                             submission=submission_record(best))
            results.append(unreadable(job, T("error.in_file", file=best.submission.name,
                                             problem=T("grade.internal_error")), []))
    run_notes: list[str] = [T("grade.source", run_id=plan["run_id"], plan=str(plan_path),
                              source=shown(str(source)))]
    if not any(owners.pair_of(message) for message in owners.owners):
        run_notes.append(T("grade.no_own_messages"))
    return Run(root=source, manifest=None, run_id=None, jobs=[r.job for r in results],
               pairs=[pair["name"] for pair in plan["pairs"]], scenarios=list(plan["scenarios"]),
               notes=run_notes, results=results, not_graded=not_graded,
               plan={"path": str(plan_path), "run_id": plan["run_id"], "lab_id": plan["lab_id"]},
               handins=[found_item.item for found_item in found])


def default_out(source: Path) -> Path:
    """Beside the hand-ins: ``submissions/`` -> ``submissions-graded/``, ``kelas.zip`` ->
    ``kelas-graded/``."""
    source = Path(os.path.abspath(source))
    stem = source.name[:-4] if source.name.lower().endswith(".zip") else source.name
    return source.with_name(f"{stem}-graded")


def check_out(out: Path, source: Path) -> None:
    """OutputError (one line) unless `out` may take the report: new, empty, or one grading made
    before; never the hand-ins or inside them. Writes nothing."""
    out = Path(os.path.abspath(out))
    real_source = Path(os.path.realpath(source))
    real_out = Path(os.path.realpath(out))
    if real_source.is_dir() and (real_out == real_source or real_source in real_out.parents):
        raise OutputError(f"--out {shown(str(out))}: inside the hand-ins; the report is "
                          "written beside them, never into them: give another folder")
    if os.path.lexists(out):
        if os.path.islink(out) or not os.path.isdir(out):
            raise OutputError(f"--out {shown(str(out))}: not a folder (a symbolic link is not "
                              "followed)")
        if os.listdir(out) and not os.path.isfile(out / MARKER):
            raise OutputError(f"--out {shown(str(out))}: a folder that holds other files; give "
                              "a new or empty folder")


def prepare_out(out: Path, source: Path) -> Output:
    """The output folder (`check_out`), made, or cleared of what an earlier grading unpacked
    and drew."""
    check_out(out, source)
    out = Path(os.path.abspath(out))
    if os.path.isdir(out):
        for old in (HANDINS, "ladders"):  # what an earlier grading unpacked and drew
            if os.path.isdir(out / old) and not os.path.islink(out / old):
                shutil.rmtree(out / old)
    output = Output(out)
    output.write_text((MARKER,), "Made by tcplab grade: it may write here again.\n")
    return output


def grade(source: Path, plan_path: Path, out: Path | None = None,
          lang: Language | str | None = None) -> Written:
    """Grade every capture in `source` (a folder or a zip) against the plan in `plan_path`;
    write the report to `out` (default beside the hand-ins). `lang` defaults to the plan's."""
    started = time.perf_counter()
    plan = load_plan(plan_path)
    if not isinstance(lang, Language):
        lang = i18n.language(lang or plan_language(plan))
    output = prepare_out(out or default_out(source), source)
    run = grade_run(take(source, output), plan, plan_path.resolve(), Path(os.path.abspath(
        source)), output)
    written = write_run_report(run, output, lang, started)
    write_gradebook(output, written.document, plan, run.handins, lang)
    return written


# --- the command line --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = Arguments(
        prog="python -m tcplab.grade",
        description="Grade the captures students took by hand against the plan of their run: "
                    "whose each is (platform, file name, else its messages), its scenario "
                    "(server port), its verdict; flags copied captures. Reads a folder or the "
                    "course platform's zip. Writes report.html, report.md, report.json, "
                    "grades.csv, gradebook.csv, summary.txt and the ladders beside the hand-ins.")
    parser.add_argument("source", type=Path, metavar="HANDINS",
                        help="the hand-ins: a folder (any layout) or a zip (e.g. the course "
                             "platform's download of all submissions)")
    parser.add_argument("--plan", type=Path, metavar="PLAN_JSON",
                        help=f"the plan of the students' run (default: {LATEST_PLAN})")
    parser.add_argument("--out", type=Path, help="write the report here (default: beside the "
                                                 "hand-ins, <name>-graded)")
    parser.add_argument("--language", choices=list(i18n.languages()),
                        help="language of the report (default: the plan's, else en)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lang = i18n.language(args.language or "en")
    if not os.path.lexists(args.source):
        parser.error(lang.t("grade.cli_no_source", path=shown(str(args.source))))
    try:
        check_out(args.out or default_out(args.source), args.source)
    except OutputError as error:
        parser.error(str(error))
    plan_path = args.plan or LATEST_PLAN
    try:
        plan = load_plan(plan_path)
    except PlanFileError as error:
        parser.error(lang.render(error.text))
    lang = i18n.language(args.language or plan_language(plan))
    if args.plan is None:
        print(lang.t("grade.cli_latest", path=LATEST_PLAN, target=LATEST_PLAN.resolve()))
    try:
        output = prepare_out(args.out or default_out(args.source), args.source)
        handins = take(args.source, output)
    except OutputError as error:
        parser.error(str(error))
    except IntakeError as error:
        parser.error(lang.render(error.text))
    source = Path(os.path.abspath(args.source))
    run = grade_run(handins, plan, plan_path.resolve(), source, output)
    written = write_run_report(run, output, lang, started)
    write_gradebook(output, written.document, plan, run.handins, lang)
    print_written(written, lang)
    return 0


if __name__ == "__main__":
    sys.exit(main())
