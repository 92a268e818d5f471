"""Read one capture the way the seeds teach students to read it.

`analyze(job)` reads the job's pcap (`pcapread`), finds the TCP conversations, decides which end
is the client (the SYN sender; without a handshake the manifest's server port, then the
scenario ports 2222/4141, then the lower port), and for the scenario's conversation reports:

- `segments`: every packet with Wireshark's number, time, flags and relative seq/ack;
- `handshake`: present/complete, ISNs, MSS, window scale;
- `streams` and `messages`: each direction's byte stream reassembled (retransmissions counted
  once, out-of-order segments put in place, missing bytes found) and split into lines, or one
  message per data segment when the stream holds no newline (the seeds' original programs);
- `exchanges`: message i of the client against the expected message i (the manifest's; for a
  student's capture, the plan's: `tcplab.grade`), and the server's reply i against the
  scenario's reply rule, with the round-trip time (the request's last data segment to the
  reply's first);
- `teardown`: who closed first, the FIN/ACK packets (three or four), or the reset;
- `anomalies`: retransmissions, out-of-order segments, zero windows, resets, missing bytes,
  payloads cut by snaplen, tcpdump's drops;
- `phases`: every packet labelled handshake, data or termination;
- a verdict: ``complete``, or ``incomplete`` with one reason per problem (``unreadable`` when
  the file is not a capture at all).

What makes a capture incomplete: the job's own reasons (a student's capture that carries
another pair's messages, `tcplab.grade`), a truncated file, no packets, no conversation on the
server port, a missing or partial handshake, a message or reply that differs from what the
scenario requires (or is missing, or extra), a stream ending inside a line, missing bytes, a
reset or a missing FIN exchange, tcpdump drops, a checksum differing from the manifest.
Retransmissions, out-of-order segments and zero windows are anomalies worth showing but do not by
themselves make a capture incomplete: TCP recovered from them and the students can still read
the exchange.
"""

from __future__ import annotations

import os
from collections import deque

from .connection import (
    assign_roles,
    conversations,
    duplicate_acks,
    handshake,
    main_conversation,
    phases,
    reset_anomalies,
    segments,
    teardown,
    window_anomalies,
)
from .i18n import Joined
from .i18n import Text as T
from .manifest import KNOWN_SCENARIOS, SCENARIO_BY_PORT, CaptureJob, Scenario, sha256_of
from .model import (
    C2S,
    S2C,
    Anomaly,
    CaptureAnalysis,
    Conversation,
    ConversationAnalysis,
    Exchange,
    Message,
    Stream,
)
from .pcapread import Capture, CaptureError, gc_paused, read_capture
from .streams import messages, stream

# --- exchanges -------------------------------------------------------------------------------

def show(text: str, limit: int = 60) -> str:
    """A message quoted for a one-line reason."""
    quoted = repr(text)
    return quoted if len(quoted) <= limit else quoted[:limit - 4] + "...'"


def answers(requests: list[Message], replies: list[Message]) -> tuple[list[Message | None],
                                                                       list[Message]]:
    """The reply to each request, and the replies that answer none.

    A reply answers the oldest request still waiting for one that ended before the reply began
    (its packets come after the request's last one). So a server that speaks first (a banner) or
    speaks again unasked is never taken for the answer to a request, and a round-trip time is
    never negative.
    """
    answered: list[Message | None] = [None] * len(requests)
    unasked: list[Message] = []
    waiting: deque[int] = deque()
    index = 0
    for reply in replies:
        while index < len(requests) and requests[index].last_packet < reply.first_packet:
            waiting.append(index)
            index += 1
        if waiting:
            answered[waiting.popleft()] = reply
        else:
            unasked.append(reply)
    return answered, unasked


def exchanges(requests: list[Message], replies: list[Message], expected: list[str] | None,
              expected_replies: list[str] | None, spec: Scenario | None,
              expected_from: str = "manifest") -> list[Exchange]:
    """Request i against the expected message i; its reply (`answers`) against the scenario's
    reply rule; then each reply that answers no request.

    The expected messages are the manifest's (a lab run) or the plan's (a student's capture,
    `expected_from` "plan"); the reasons name which.
    """
    said = "" if expected_from == "manifest" else f".{expected_from}"
    answered, unasked = answers(requests, replies)
    result: list[Exchange] = []
    for i in range(max(len(requests), len(expected or []))):
        request = requests[i] if i < len(requests) else None
        reply = answered[i] if i < len(requests) else None
        want = expected[i] if expected is not None and i < len(expected) else None
        item = Exchange(i + 1, request, reply, want, None, None, None, None)
        if expected is not None:
            if request is None:
                if want is not None:
                    item.request_ok = False
                    item.problems.append(T(f"exchange.not_sent{said}", number=i + 1,
                                           want=show(want)))
            elif want is None:
                item.request_ok = False
                item.problems.append(T("exchange.extra_message", number=i + 1,
                                       sent=show(request.text)))
            else:
                item.request_ok = request.text == want
                if not item.request_ok:
                    item.problems.append(T(f"exchange.wrong_message{said}", number=i + 1,
                                           sent=show(request.text), want=show(want)))
        basis = request.text if request is not None else want
        if spec is not None and basis is not None:
            item.expected_reply = spec.reply(basis)
        elif expected_replies is not None and i < len(expected_replies):
            item.expected_reply = expected_replies[i]
        if reply is None:
            if item.expected_reply is not None:
                item.reply_ok = False
                item.problems.append(T("exchange.reply_missing", number=i + 1,
                                       want=show(item.expected_reply)))
        elif item.expected_reply is None:
            item.reply_ok = None
        else:
            item.reply_ok = reply.text == item.expected_reply
            if not item.reply_ok:
                item.problems.append(T("exchange.wrong_reply", number=i + 1,
                                       sent=show(reply.text), want=show(item.expected_reply)))
        if request is not None and reply is not None:
            item.rtt = reply.first_time - request.last_time
        result.append(item)
    first_request = requests[0].first_packet if requests else None
    for reply in unasked:
        item = Exchange(len(result) + 1, None, reply, None, None, None,
                        False if spec else None, None)
        if spec is not None:
            key = ("exchange.server_first" if first_request is None
                   or reply.first_packet < first_request else "exchange.extra_reply")
            item.problems.append(T(key, number=reply.index, sent=show(reply.text)))
        result.append(item)
    return result


# --- anomalies -----------------------------------------------------------------------------

def drop_anomalies(counts: dict | None) -> list[Anomaly]:
    """tcpdump's own counts: packets the kernel (or interface) dropped."""
    if not counts:
        return []
    found = []
    for key in ("dropped_by_kernel", "dropped_by_interface"):
        value = counts.get(key)
        if isinstance(value, int) and value > 0:
            found.append(Anomaly("tcpdump drops", None, None, T(f"anomaly.{key}", count=value)))
    return found


# --- the whole capture -----------------------------------------------------------------------

def analyze_conversation(conversation: Conversation, time_zero: float, spec: Scenario | None,
                         expected: list[str] | None, expected_replies: list[str] | None,
                         expected_from: str = "manifest") -> ConversationAnalysis:
    items = segments(conversation, time_zero)
    shake = handshake(conversation, items)
    streams: dict[str, Stream] = {}
    anomalies: list[Anomaly] = duplicate_acks(items)
    for direction in (C2S, S2C):
        streams[direction], found = stream(items, direction)
        anomalies += found
    framed = {direction: messages(streams[direction]) for direction in (C2S, S2C)}
    for direction in (C2S, S2C):
        anomalies += [Anomaly("framing", None, direction, problem)
                      for problem in framed[direction].problems]
    anomalies += window_anomalies(items) + reset_anomalies(items)
    anomalies.sort(key=lambda a: (a.packet is None, a.packet or 0))
    close = teardown(items)
    labelled = phases(items, shake)
    analysis = ConversationAnalysis(conversation, items, shake, streams, framed, [], close,
                                    anomalies, labelled)
    return expect(analysis, spec, expected, expected_replies, expected_from)


def expect(analysis: ConversationAnalysis, spec: Scenario | None, expected: list[str] | None,
           expected_replies: list[str] | None,
           expected_from: str = "manifest") -> ConversationAnalysis:
    """Judge the analysis's messages and replies against what was expected (its exchanges).

    Reading a conversation does not depend on what it should hold, so grading reads each
    attempt once and then judges it for the pair it turns out to be.
    """
    analysis.exchanges = exchanges(analysis.messages[C2S].items, analysis.messages[S2C].items,
                                   expected, expected_replies, spec, expected_from)
    return analysis


def analyze(job: CaptureJob) -> CaptureAnalysis:
    """Read and judge one capture; never raises for a bad file (the error is in the result)."""
    with gc_paused():
        return _analyze(job)


def _analyze(job: CaptureJob) -> CaptureAnalysis:
    ports = frozenset((job.server_port,)) if job.server_port and not job.inferred else None
    try:
        capture = read_capture(job.pcap, ports)
    except CaptureError as bad:
        problem = T("error.not_found") if not os.path.lexists(job.pcap) else bad.text
        return unreadable(job, T("error.in_file", file=job.pcap_name, problem=problem),
                          list(job.notes))
    found = [assign_roles(packets, job.server_port) for packets in conversations(capture.packets)]
    return judge(job, capture, found, main_conversation(found, job.server_port))


def judge(job: CaptureJob, capture: Capture, found: list[Conversation],
          main: Conversation | None, analysis: ConversationAnalysis | None = None,
          extra_notes: list[T] | None = None) -> CaptureAnalysis:
    """The verdict on one capture whose conversations are `found`, `main` the scenario's.

    `analysis` is `main`'s, when the caller analysed it already (grading compares attempts).
    """
    notes = list(job.notes) + list(extra_notes or [])
    capture_anomalies: list[Anomaly] = []
    reasons: list[str] = list(job.reasons)
    problem = None
    if capture.truncated:
        problem = T("error.in_file", file=job.pcap_name,
                    problem=T("error.truncated", detail=capture.truncated))
        reasons.append(T("reason.truncated", detail=capture.truncated))
        capture_anomalies.append(Anomaly("truncated file", None, None, capture.truncated))
    if job.sha256 and sha256_of(job.pcap) != job.sha256:
        reasons.append(T("reason.checksum"))
        capture_anomalies.append(Anomaly("checksum", None, None, T("anomaly.checksum")))
    captured = (job.counts or {}).get("captured")
    if isinstance(captured, int) and capture.frames < captured:
        reasons.append(T("reason.fewer_packets", frames=capture.frames, captured=captured))
    drops = drop_anomalies(job.counts)
    capture_anomalies += drops
    reasons += [a.detail for a in drops]
    spec = job.spec
    scenario = job.scenario
    if main is not None and job.inferred:
        scenario, spec = _infer_scenario(scenario, spec, main.server.port, notes)
    if main is not None and main.roles_from != "handshake":
        notes.append(T("note.roles_without_handshake", client=str(main.client),
                       server=str(main.server), how=T(f"roles.{main.roles_from}")))
    others = [c for c in found if c is not main and c.packets is not main.packets] \
        if main is not None else list(found)
    if others:
        notes.append(T("note.other_conversations", count=len(others), list=Joined("; ", (
            T("note.conversation", client=str(c.client), server=str(c.server),
              packets=len(c.packets)) for c in others[:5]))))
    if capture.not_tcp:
        why, _, first = max(capture.not_tcp, key=lambda kind: kind[1])
        notes.append(T("note.not_tcp", count=capture.not_tcp_count, frame=first, why=why))
    if capture.frames == 0:
        reasons.append(T("reason.no_packets"))
    elif main is None:
        reasons.append(T("reason.no_tcp") if not found else
                       T("reason.no_conversation", port=job.server_port))
    else:
        if analysis is None:
            analysis = analyze_conversation(main, capture.first_time or 0.0, spec, job.messages,
                                            job.expected_replies, job.expected_from)
        reasons += conversation_reasons(analysis, expected_given=job.messages is not None)
        for direction in (C2S, S2C):
            note = analysis.messages[direction].note
            if note:
                notes.append(note)
        banner = server_first(analysis)
        if banner is not None:
            notes.append(T("note.server_first", sent=show(banner.text)))
        if job.server_address and main.server.address != job.server_address:
            notes.append(T("note.other_server", named=job.server_address,
                           seen=main.server.address))
    anomalies = (analysis.anomalies if analysis else []) + capture_anomalies
    return CaptureAnalysis(job, scenario, spec, capture, problem, analysis, others, anomalies,
                           "incomplete" if reasons else "complete", reasons, notes)


def server_first(analysis: ConversationAnalysis) -> Message | None:
    """The server's first message when it came before the client's first (a banner), else None.
    """
    requests, replies = analysis.messages[C2S].items, analysis.messages[S2C].items
    if replies and (not requests or replies[0].first_packet < requests[0].first_packet):
        return replies[0]
    return None


def _infer_scenario(named: str, spec: Scenario | None, port: int,
                    notes: list[str]) -> tuple[str, Scenario | None]:
    """Without a manifest the server port names the scenario (2222 reqresp, 4141 upcall)."""
    by_port = SCENARIO_BY_PORT.get(port)
    if by_port is None:
        if spec is None:
            notes.append(T("note.unknown_port", port=port))
        return named, spec
    if named == "?":
        notes.append(T("note.scenario_from_port", scenario=by_port.name, port=port))
    elif named != by_port.name:
        notes.append(T("note.scenario_port_differs", named=named, port=port,
                       scenario=by_port.name))
    else:
        notes.append(T("note.scenario_from_name_and_port", scenario=by_port.name, port=port))
    return by_port.name, by_port


def conversation_reasons(analysis: ConversationAnalysis, expected_given: bool) -> list[str]:
    """Why the conversation is not a complete lab exchange (empty when it is)."""
    reasons: list[str] = []
    shake = analysis.handshake
    if not shake.complete:
        reasons += shake.problems if shake.present else shake.problems[:1]
    for direction in (C2S, S2C):
        reasons += analysis.messages[direction].problems
        reasons += [a.detail for a in analysis.anomalies
                    if a.kind in ("gap", "snaplen") and a.direction == direction]
    for item in analysis.exchanges:
        reasons += item.problems
    if not analysis.exchanges and not expected_given:
        reasons.append(T("reason.no_data"))
    close = analysis.teardown
    if not close.complete:
        reasons.append(T("reason.termination", description=close.description))
    return reasons


def unreadable(job: CaptureJob, error: T, notes: list[str]) -> CaptureAnalysis:
    spec = job.spec or KNOWN_SCENARIOS.get(job.scenario)
    return CaptureAnalysis(job, job.scenario, spec, None, error, None, [], [], "unreadable",
                           [error, *job.reasons], notes)
