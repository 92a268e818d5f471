"""Flow signatures: the shape of a conversation, and whether it is the shape its scenario expects.

The *signature* of a capture is the sequence of ``direction:flags:payload length`` of every
packet of its conversation (``C>S:SYN:0 S>C:SYN,ACK:0 C>S:ACK:0 C>S:PSH,ACK:8 ...``): sequence
numbers (relative or not), addresses, ports and times are left out, so two runs of the same
exchange have the same signature and the same short hash (sha256, first 12 hex digits).

Whether a capture *matches its scenario* is decided on a *skeleton*, not on the raw signature,
because a correct exchange may legitimately differ in packets that carry no information:

1. Pure ACKs (no payload, no SYN/FIN/RST) are dropped: whether the server acknowledges a
   request on its own or with its reply depends on delayed-ACK timers, and the final ACKs of
   the handshake and the close are implied by the next packet or checked by the handshake and
   teardown verdicts.
2. Retransmitted segments are dropped: the bytes count once.
3. Consecutive data segments in one direction are one ``DATA n`` step with the bytes they
   carried (new bytes only): the segmentation of a message depends on MSS, Nagle and offloads;
   PSH is not compared.
4. SYN, FIN and RST are kept as steps (``C>S SYN``, ``S>C SYN,ACK``, ``C>S FIN``,
   ``S>C RST``); a FIN riding on a data segment gives a ``DATA`` step then a ``FIN`` step.

The expected skeleton follows from the messages and the scenario's reply rule: ``C>S SYN``,
``S>C SYN,ACK``; per message ``C>S DATA len(request)``, ``S>C DATA len(reply)``, both
lengths on the wire, newline included (raw lengths when the capture's client stream is not
line-framed, e.g. the original seed programs); then ``C>S FIN``, ``S>C FIN`` (the client
closes first).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..formats import wire
from ..i18n import Text as T
from ..formats.scenarios import Scenario
from .model import C2S, S2C, ConversationAnalysis, Segment
from .packet import FLAG_ACK, FLAG_FIN, FLAG_RST, FLAG_SYN


@dataclass
class Signature:
    text: str
    hash: str
    skeleton: list[str]
    expected: list[str] | None
    expected_shape: str | None  # the typical full packet sequence, optional ACKs in brackets
    matches: bool | None
    difference: T | None


def flow_signature(segments: list[Segment]) -> str:
    return " ".join(f"{s.direction}:{s.flags.replace(', ', ',')}:{s.length}" for s in segments)


def signature_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def skeleton(analysis: ConversationAnalysis) -> list[str]:
    """The steps that a correct exchange must have, whatever the ACK timing (module docstring)."""
    fresh: dict[int, int] = {}
    for flow in analysis.streams.values():
        for chunk in flow.chunks:
            fresh[chunk.number] = fresh.get(chunk.number, 0) + len(chunk.data)
    steps: list[list] = []  # [direction, kind, bytes]
    for segment in analysis.segments:
        if "retransmission" in segment.notes:
            continue
        if segment.has(FLAG_SYN):
            steps.append([segment.direction, "SYN,ACK" if segment.has(FLAG_ACK) else "SYN", 0])
        new_bytes = fresh.get(segment.number, 0)
        if new_bytes:
            if steps and steps[-1][0] == segment.direction and steps[-1][1] == "DATA":
                steps[-1][2] += new_bytes
            else:
                steps.append([segment.direction, "DATA", new_bytes])
        if segment.has(FLAG_FIN):
            steps.append([segment.direction, "FIN", 0])
        if segment.has(FLAG_RST):
            steps.append([segment.direction, "RST", 0])
    return [_step(*step) for step in steps]


def _step(direction: str, kind: str, size: int) -> str:
    return f"{direction} DATA {size}" if kind == "DATA" else f"{direction} {kind}"


def expected_skeleton(messages: list[str], spec: Scenario, framed: bool = True) -> list[str]:
    size = wire.encoded_length if framed else (lambda m: len(m.encode("utf-8")))
    steps = [f"{C2S} SYN", f"{S2C} SYN,ACK"]
    for message in messages:
        steps += [_step(C2S, "DATA", size(message)), _step(S2C, "DATA", size(spec.reply(message)))]
    return steps + [f"{C2S} FIN", f"{S2C} FIN"]


def expected_shape(messages: list[str], spec: Scenario, framed: bool = True) -> str:
    """The packets a student typically sees, optional pure ACKs in brackets."""
    size = wire.encoded_length if framed else (lambda m: len(m.encode("utf-8")))
    rows = [f"{C2S} SYN", f"{S2C} SYN, ACK", f"{C2S} ACK"]
    for message in messages:
        rows += [f"{C2S} PSH, ACK len {size(message)}", f"[{S2C} ACK]",
                 f"{S2C} PSH, ACK len {size(spec.reply(message))}", f"{C2S} ACK"]
    rows += [f"{C2S} FIN, ACK", f"[{S2C} ACK]", f"{S2C} FIN, ACK", f"{C2S} ACK"]
    return " · ".join(rows)


def compare(actual: list[str], expected: list[str]) -> T | None:
    """None when equal, else the first difference in words."""
    for index, (got, want) in enumerate(zip(actual, expected)):
        if got != want:
            return T("signature.step_differs", step=index + 1, want=want, got=got)
    if len(actual) < len(expected):
        return T("signature.steps_missing", count=len(expected) - len(actual),
                 step=len(actual) + 1, want=expected[len(actual)])
    if len(actual) > len(expected):
        return T("signature.extra_steps", count=len(actual) - len(expected),
                 step=len(expected) + 1, got=actual[len(expected)])
    return None


def signature(analysis: ConversationAnalysis, spec: Scenario | None,
              messages: list[str] | None) -> Signature:
    """The capture's signature and its comparison with the scenario's expected skeleton."""
    text = flow_signature(analysis.segments)
    actual = skeleton(analysis)
    framed = analysis.messages[C2S].framing != "segments"
    if messages is None:
        messages = [m.text for m in analysis.messages[C2S].items]
    if spec is None:
        return Signature(text, signature_hash(text), actual, None, None, None,
                         T("signature.unknown_scenario"))
    expected = expected_skeleton(messages, spec, framed)
    difference = compare(actual, expected)
    return Signature(text, signature_hash(text), actual, expected,
                     expected_shape(messages, spec, framed), difference is None, difference)
