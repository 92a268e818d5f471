"""Each handed-in file read once: its attempts at each scenario, judged for the pair it is.

`examine` reads one hand-in (`tcplab.analysis`), finds every conversation on a scenario's
server port - an attempt at that scenario - and whose the file is (`whose`); `judge_attempt`
judges an attempt against its pair's messages; `graded` picks a pair's best attempt at a
scenario, in any of its files, and names the others; `flags` and `notes` are what the report
says of whose it is and how that was found.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.analyze import analyze_conversation, conversation_reasons, judge, unreadable
from ..analysis.capture import Capture, CaptureError, read_capture
from ..analysis.connection import assign_roles, carries_data, conversations, on_port
from ..analysis.exchanges import expect
from ..analysis.model import C2S, CaptureAnalysis, Conversation, ConversationAnalysis
from ..formats.manifest import CaptureJob, sha256_of
from ..formats.plan import scenario_specs
from ..i18n import Text as T
from ..names import shown
from .intake import HandIn
from .whose import (MessageOwners, carried, pair_from_folders, pair_from_name, roster_pair,
                    scenario_from_name, scenario_ports)


SHOWN_MESSAGES = 3  # messages quoted in a reason


SHOWN_ATTEMPTS = 5  # other attempts named in a note


@dataclass
class Attempt:
    """One conversation of a capture taken for an attempt at a scenario."""

    scenario: str
    port: int | None
    scenario_from: str  # "server port", "file name", "messages"
    conversation: Conversation | None  # None: the file names the scenario but holds no attempt
    analysis: ConversationAnalysis | None
    submission: Submission  # held weakly: the submission holds its attempts
    reasons: list[str] = field(default_factory=list)  # once judged for its pair

    def __post_init__(self) -> None:
        # A strong reference back would make every file's whole analysis a reference cycle, freed
        # only by the cycle collector walking all of it (a 48,000-packet capture: 190,000 objects
        # walked, 0.03 s) instead of by reference counts the moment it is dropped.
        self.submission = weakref.proxy(self.submission)

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
        named = scenario_from_name(item.file_name, found.named_as, plan["scenarios"])
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
    named = scenario_from_name(found.item.file_name, found.named_as, plan["scenarios"])
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


def same_content(found: list[Submission]) -> None:
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
