"""The phases the seeds read in a capture: the handshake, the data, the termination.

- `handshake` checks SYN, SYN-ACK, ACK and reads the ISNs, MSS and window scale (data in the
  SYN, TCP Fast Open, acknowledged as it is);
- `teardown` finds who closed first and the FIN/ACK packets (three or four), or the reset;
- `phases` labels each packet handshake, data or termination.
"""

from __future__ import annotations

from ..i18n import Text as T
from .connection import signed32
from .model import C2S, OTHER, S2C, SIDE, Conversation, Handshake, Phases, Segment, Teardown, side_name
from .packet import FLAG_ACK, FLAG_FIN, FLAG_RST, FLAG_SYN


def handshake(conversation: Conversation, items: list[Segment]) -> Handshake:
    """The three-way handshake: SYN, SYN-ACK, ACK, with the options each side offered."""
    raw = {packet.number: packet for packet in conversation.packets}
    syn = next((s for s in items if s.direction == C2S and s.has(FLAG_SYN)
                and not s.has(FLAG_ACK)), None)
    synack = next((s for s in items if s.direction == S2C and s.has(FLAG_SYN)
                   and s.has(FLAG_ACK) and (syn is None or s.number > syn.number)), None)
    if syn is None and synack is None:
        return Handshake(False, False, [], problems=[T("handshake.none")])
    result = Handshake(present=True, complete=False, packets=[])
    if syn is not None:
        result.client_isn = raw[syn.number].seq
        result.client_mss, result.client_wscale = syn.mss, syn.wscale
        result.packets += [s.number for s in items if s.direction == C2S and s.has(FLAG_SYN)]
    else:
        result.problems.append(T("handshake.no_syn"))
    if synack is None:
        result.problems.append(T("handshake.no_synack"))
        return result
    result.server_isn = raw[synack.number].seq
    result.server_mss, result.server_wscale = synack.mss, synack.wscale
    result.sack_permitted = bool(syn and raw[syn.number].sack_permitted
                                 and raw[synack.number].sack_permitted)
    result.packets += [s.number for s in items if s.direction == S2C and s.has(FLAG_SYN)]
    if syn is not None and synack.ack not in (1, 1 + syn.length):  # data in the SYN: TCP Fast Open
        result.problems.append(T("handshake.synack_acks_other", packet=synack.number,
                                 ack=synack.ack))
    third = next((s for s in items if s.direction == C2S and s.number > synack.number
                  and s.has(FLAG_ACK) and not s.has(FLAG_SYN)), None)
    if third is None or third.ack != 1 + synack.length:
        result.problems.append(T("handshake.no_ack"))
    else:
        result.packets.append(third.number)
    result.packets.sort()
    result.complete = not result.problems
    return result


def teardown(items: list[Segment]) -> Teardown:
    """Who closed first, the FIN/ACK packets (three or four), or the reset."""
    fins = {d: next((s for s in items if s.direction == d and s.has(FLAG_FIN)), None)
            for d in (C2S, S2C)}
    reset = next((s for s in items if s.has(FLAG_RST)), None)
    present = [s for s in fins.values() if s is not None]
    if not present and reset is None:
        return Teardown("open", None, [], [], False, description=T("teardown.open"))
    packets: list[Segment] = []
    first_dir = min(present, key=lambda s: s.number).direction if present else None
    complete = False
    if first_dir is not None:
        first_fin = fins[first_dir]
        second_dir = OTHER[first_dir]
        second_fin = fins[second_dir]
        assert first_fin is not None
        packets.append(first_fin)
        acked_first = _ack_of(items, first_fin)
        if acked_first is not None:
            packets.append(acked_first)
        if second_fin is not None:
            packets.append(second_fin)
            acked_second = _ack_of(items, second_fin)
            if acked_second is not None:
                packets.append(acked_second)
                complete = acked_first is not None
    unique = sorted({s.number: s for s in packets}.values(), key=lambda s: s.number)
    sequence = [f"{s.direction} {s.flags} ({s.number})" for s in unique]
    closed_first = SIDE[first_dir] if first_dir else None
    result = Teardown("fin" if complete else "half-closed", closed_first,
                      [s.number for s in unique], sequence, complete)
    if complete:
        result.description = T("teardown.closed", side=side_name(first_dir),
                               style=close_style(len(unique)),
                               packets=" → ".join(f"{s.flags} ({s.number})" for s in unique))
    elif first_dir is not None:
        other = side_name(OTHER[first_dir])
        if len(unique) < 2:
            result.description = T("teardown.fin_not_acked", side=side_name(first_dir))
        elif fins[OTHER[first_dir]]:
            result.description = T("teardown.other_fin_not_acked", side=side_name(first_dir),
                                   other=other)
        else:
            result.description = T("teardown.other_fin_missing", side=side_name(first_dir),
                                   other=other)
    if reset is not None and (not complete or reset.number < unique[-1].number):
        result.kind = "reset"
        result.complete = False
        result.reset_by = SIDE[reset.direction]
        result.reset_packet = reset.number
        reset_text = T("teardown.reset", side=side_name(reset.direction),
                       packet=reset.number, flags=reset.flags)
        result.description = T("teardown.reset_after", reset=reset_text,
                               before=result.description) if first_dir else reset_text
        if reset.number not in result.packets:
            result.packets.append(reset.number)
            result.sequence.append(f"{reset.direction} {reset.flags} ({reset.number})")
    return result


def close_style(packets: int) -> T:
    """A FIN exchange of three packets is a three-way close, of four a four-way close."""
    names = {3: "teardown.three_way", 4: "teardown.four_way"}
    return T(names[packets]) if packets in names else T("teardown.n_way", packets=packets)


def _ack_of(items: list[Segment], fin: Segment) -> Segment | None:
    target = fin.seq + fin.length + 1
    return next((s for s in items if s.direction != fin.direction and s.number > fin.number
                 and s.has(FLAG_ACK) and signed32(s.ack - target) >= 0), None)


def phases(items: list[Segment], shake: Handshake) -> Phases:
    """Label every packet: the handshake's, the close's (FIN, RST, ACKs of a FIN), the data's."""
    fin_end: dict[str, int] = {}
    first_fin: dict[str, int] = {}
    result = Phases([], [], [])
    handshake_packets = set(shake.packets)
    for segment in items:
        if segment.has(FLAG_FIN) and segment.direction not in fin_end:
            fin_end[segment.direction] = segment.seq + segment.length + 1
            first_fin[segment.direction] = segment.number
        other = OTHER[segment.direction]
        acks_fin = (segment.pure_ack and other in fin_end
                    and signed32(segment.ack - fin_end[other]) >= 0)
        if segment.number in handshake_packets or (segment.has(FLAG_SYN) and segment.length == 0):
            segment.phase = "handshake"
        elif segment.bits & (FLAG_FIN | FLAG_RST) or acks_fin:
            segment.phase = "termination"
        else:
            segment.phase = "data"
        getattr(result, segment.phase).append(segment.number)
    return result
