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

from .connection import (
    assign_roles,
    conversations,
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
from .pcapread import CaptureError, read_capture
from .streams import messages, stream

# --- exchanges -------------------------------------------------------------------------------

def show(text: str, limit: int = 60) -> str:
    """A message quoted for a one-line reason."""
    quoted = repr(text)
    return quoted if len(quoted) <= limit else quoted[:limit - 4] + "...'"


def exchanges(requests: list[Message], replies: list[Message], expected: list[str] | None,
              expected_replies: list[str] | None, spec: Scenario | None,
              expected_from: str = "manifest") -> list[Exchange]:
    """Request i against the expected message i; reply i against the scenario's reply rule.

    The expected messages are the manifest's (a lab run) or the plan's (a student's capture,
    `expected_from` "plan"); the reasons name which.
    """
    said = "" if expected_from == "manifest" else f".{expected_from}"
    count = max(len(requests), len(replies), len(expected or []))
    result: list[Exchange] = []
    for i in range(count):
        request = requests[i] if i < len(requests) else None
        reply = replies[i] if i < len(replies) else None
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
            item.reply_ok = False if spec is not None else None
            if spec is not None:
                item.problems.append(T("exchange.extra_reply", number=i + 1,
                                       sent=show(reply.text)))
        else:
            item.reply_ok = reply.text == item.expected_reply
            if not item.reply_ok:
                item.problems.append(T("exchange.wrong_reply", number=i + 1,
                                       sent=show(reply.text), want=show(item.expected_reply)))
        if request is not None and reply is not None:
            item.rtt = reply.first_time - request.last_time
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
    anomalies: list[Anomaly] = []
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
    talk = exchanges(framed[C2S].items, framed[S2C].items, expected, expected_replies, spec,
                     expected_from)
    return ConversationAnalysis(conversation, items, shake, streams, framed, talk, close,
                                anomalies, labelled)


def analyze(job: CaptureJob) -> CaptureAnalysis:
    """Read and judge one capture; never raises for a bad file (the error is in the result)."""
    notes = list(job.notes)
    capture_anomalies: list[Anomaly] = []
    if not job.pcap.is_file():
        return unreadable(job, T("error.in_file", file=job.pcap_name,
                                 problem=T("error.not_found")), notes)
    try:
        capture = read_capture(job.pcap)
    except CaptureError as bad:
        return unreadable(job, T("error.in_file", file=job.pcap_name, problem=bad.text), notes)
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
    found = [assign_roles(packets, job.server_port) for packets in conversations(capture.packets)]
    main = main_conversation(found, job.server_port)
    spec = job.spec
    scenario = job.scenario
    if main is not None and job.inferred:
        scenario, spec = _infer_scenario(scenario, spec, main.server.port, notes)
    if main is not None and main.roles_from != "handshake":
        notes.append(T("note.roles_without_handshake", client=str(main.client),
                       server=str(main.server), how=T(f"roles.{main.roles_from}")))
    others = [c for c in found if c is not main]
    if others:
        notes.append(T("note.other_conversations", count=len(others), list=Joined("; ", (
            T("note.conversation", client=str(c.client), server=str(c.server),
              packets=len(c.packets)) for c in others[:5]))))
    if capture.skipped:
        notes.append(T("note.not_tcp", count=len(capture.skipped), frame=capture.skipped[0][0],
                       why=capture.skipped[0][1]))
    analysis = None
    if capture.frames == 0:
        reasons.append(T("reason.no_packets"))
    elif main is None:
        reasons.append(T("reason.no_tcp") if not found else
                       T("reason.no_conversation", port=job.server_port))
    else:
        analysis = analyze_conversation(main, capture.first_time or 0.0, spec, job.messages,
                                        job.expected_replies, job.expected_from)
        reasons += conversation_reasons(analysis, expected_given=job.messages is not None)
        for direction in (C2S, S2C):
            note = analysis.messages[direction].note
            if note:
                notes.append(note)
        if job.server_address and main.server.address != job.server_address:
            notes.append(T("note.other_server", named=job.server_address,
                           seen=main.server.address))
    anomalies = (analysis.anomalies if analysis else []) + capture_anomalies
    return CaptureAnalysis(job, scenario, spec, capture, problem, analysis, others, anomalies,
                           "incomplete" if reasons else "complete", reasons, notes)


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
