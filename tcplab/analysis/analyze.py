"""Read one capture the way the seeds teach students to read it.

`analyze(job)` reads the job's pcap (`capture`), finds the TCP conversations (`connection`),
and for the scenario's conversation reports the segments with Wireshark's numbers, the
handshake and teardown (`phases`), each direction's stream and messages (`streams`), the
exchanges (`exchanges`), the anomalies, and a verdict: ``complete``, or ``incomplete`` with one
reason per problem (``unreadable`` when the file is not a capture at all). `judge` gives the
verdict on a capture already read (grading reads each file once and judges its attempts).

What makes a capture incomplete: the job's own reasons (a student's capture that carries
another pair's messages, `tcplab.grading`), a truncated file, no packets, no conversation on the
server port, a missing or partial handshake, a message or reply that differs from what the
scenario requires (or is missing, or extra), a stream ending inside a line, missing bytes, a
reset or a missing FIN exchange, tcpdump drops, a checksum differing from the manifest.
Retransmissions, out-of-order segments, duplicate ACKs and zero windows are anomalies worth
showing but do not by themselves make a capture incomplete: TCP recovered from them and the
students can still read the exchange. A scenario that loses a segment on purpose (the
scenario's ``loss``) is the one exception the other way round: its capture is incomplete
WITHOUT a retransmission from the side whose segment was to be lost.
"""

from __future__ import annotations

import os

from ..formats.manifest import CaptureJob, sha256_of
from ..formats.scenarios import Scenario, course_scenarios, scenario_by_port
from ..i18n import Joined
from ..i18n import Text as T
from .capture import Capture, CaptureError, gc_paused, read_capture
from .connection import assign_roles, conversations, duplicate_acks, main_conversation, reset_anomalies, segments, window_anomalies
from .exchanges import expect, show
from .model import C2S, S2C, SIDE, Anomaly, CaptureAnalysis, Conversation, ConversationAnalysis, Message, Stream
from .phases import handshake, phases, teardown
from .streams import messages, stream

RESENT = ("retransmission", "fast retransmission")


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
        reasons += loss_reasons(analysis, spec)
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
    """Without a manifest the server port names the course's scenario (2222 reqresp, 4141 upcall)."""
    by_port = scenario_by_port(port)
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


def loss_reasons(analysis: ConversationAnalysis, spec: Scenario | None) -> list[str]:
    """A scenario that loses a segment (`Loss`) is there to show TCP sending it again: a capture
    of it with no retransmission from that side does not show the lesson."""
    if spec is None or spec.loss is None:
        return []
    direction = C2S if spec.loss.direction == "to_server" else S2C
    if any(a.kind in RESENT and a.direction == direction for a in analysis.anomalies):
        return []
    side = T(f"side.{SIDE[direction]}")
    return [T("reason.loss_missing", scenario=spec.name, side=side,
              segments=", ".join(str(n) for n in spec.loss.segments))]


def unreadable(job: CaptureJob, error: T, notes: list[str]) -> CaptureAnalysis:
    spec = job.spec or course_scenarios().get(job.scenario)
    return CaptureAnalysis(job, job.scenario, spec, None, error, None, [], [], "unreadable",
                           [error, *job.reasons], notes)
