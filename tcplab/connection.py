"""One TCP connection as Wireshark shows it: roles, relative numbers, handshake, close, phases.

- `conversations` groups a capture's packets by connection (a new SYN after a close on the same
  ports starts a new one); `assign_roles` says which end is the client: the SYN sender; without
  a handshake the manifest's server port, then the scenario ports (2222, 4141), then the lower
  port; `main_conversation` picks the scenario's connection.
- `segments` gives every packet Wireshark's relative seq/ack (see its docstring for the rule).
- `handshake` checks SYN, SYN-ACK, ACK and reads the ISNs, MSS and window scale.
- `teardown` finds who closed first and the FIN/ACK packets (three or four), or the reset.
- `phases` labels each packet handshake, data or termination, as the seeds read a capture.
"""

from __future__ import annotations

from .i18n import Text as T
from .manifest import SCENARIO_BY_PORT
from .model import (
    C2S,
    OTHER,
    S2C,
    SIDE,
    Anomaly,
    Conversation,
    Endpoint,
    Handshake,
    Phases,
    Segment,
    Teardown,
    side_name,
)
from .pcapread import FLAG_ACK, FLAG_FIN, FLAG_RST, FLAG_SYN, TcpPacket, flag_names

# --- conversations ---------------------------------------------------------------------------

def conversations(packets: list[TcpPacket]) -> list[list[TcpPacket]]:
    """Group packets by connection (4-tuple).

    A SYN with another initial sequence number than the connection's own starts a new connection
    (the ports were reused); a SYN sent again with the same one (a connect() retried, a SYN
    retransmitted) stays in its connection, even after a reset.
    """
    open_by_key: dict[tuple, list[TcpPacket]] = {}
    syn_seq: dict[tuple, int] = {}
    result: list[list[TcpPacket]] = []
    for packet in packets:
        ends = ((packet.src, packet.sport), (packet.dst, packet.dport))
        key = ends if ends[0] <= ends[1] else (ends[1], ends[0])
        current = open_by_key.get(key)
        is_syn = packet.flags & (FLAG_SYN | FLAG_ACK) == FLAG_SYN
        if current is not None and is_syn and syn_seq.get(key) != packet.seq:
            current = None  # the ports reused: a new connection
        if current is None:
            current = open_by_key[key] = []
            result.append(current)
            if is_syn:
                syn_seq[key] = packet.seq
            else:
                syn_seq.pop(key, None)
        current.append(packet)
    return result


def assign_roles(packets: list[TcpPacket], server_port: int | None) -> Conversation:
    """Client = SYN sender; else the manifest's server port, the scenario ports, the lower port."""
    first = packets[0]
    ends = (Endpoint(first.src, first.sport), Endpoint(first.dst, first.dport))
    for packet in packets:
        if packet.has(FLAG_SYN) and not packet.has(FLAG_ACK):
            return Conversation(Endpoint(packet.src, packet.sport),
                                Endpoint(packet.dst, packet.dport), "handshake", packets)
    for packet in packets:
        if packet.has(FLAG_SYN) and packet.has(FLAG_ACK):
            return Conversation(Endpoint(packet.dst, packet.dport),
                                Endpoint(packet.src, packet.sport), "handshake", packets)
    for how, ports in (("manifest server port", {server_port} if server_port else set()),
                       ("scenario port", set(SCENARIO_BY_PORT))):
        servers = [end for end in ends if end.port in ports]
        if len(servers) == 1:
            server = servers[0]
            client = ends[1] if server == ends[0] else ends[0]
            return Conversation(client, server, how, packets)
    server, client = sorted(ends, key=lambda end: end.port)
    return Conversation(client, server, "lower port (guess)", packets)


def on_port(found: list[Conversation], port: int) -> list[Conversation]:
    """The conversations whose server listens on `port`, in capture order.

    A conversation whose roles were only guessed (no handshake captured) counts when either end
    has the port; its roles are then taken from the port.
    """
    result = []
    for conversation in found:
        if conversation.server.port == port:
            result.append(conversation)
        elif conversation.roles_from != "handshake" and conversation.client.port == port:
            result.append(assign_roles(conversation.packets, port))
    return result


def carries_data(conversation: Conversation) -> bool:
    return any(packet.length for packet in conversation.packets)


def main_conversation(found: list[Conversation], server_port: int | None) -> Conversation | None:
    """The scenario's conversation: on the server port, the first that carries data (a stray SYN
    of a port scan carries none), else the first there; with no port known, the first with data.
    """
    if not found:
        return None
    for port in [server_port] if server_port else list(SCENARIO_BY_PORT):
        candidates = on_port(found, port)
        if candidates:
            return next((c for c in candidates if carries_data(c)), candidates[0])
    if server_port:
        return None
    return next((c for c in found if carries_data(c)), found[0])


# --- segments --------------------------------------------------------------------------------

def _signed(delta: int) -> int:
    delta &= 0xFFFFFFFF
    return delta - (1 << 32) if delta >= 1 << 31 else delta


def segments(conversation: Conversation, time_zero: float) -> list[Segment]:
    """Packets with Wireshark's relative numbers.

    A direction's base is its SYN's sequence number, or one less than its first packet's (so
    data starts at relative 1 either way); a direction not yet seen takes its base from the
    other side's first acknowledgement (ack - 1), as Wireshark does.
    """
    base: dict[str, int] = {}
    result: list[Segment] = []
    client = conversation.client
    for packet in conversation.packets:
        direction = C2S if (packet.src, packet.sport) == (client.address, client.port) else S2C
        other = OTHER[direction]
        if direction not in base:
            base[direction] = packet.seq if packet.has(FLAG_SYN) else (packet.seq - 1) & 0xFFFFFFFF
        if other not in base and packet.has(FLAG_ACK):
            base[other] = (packet.ack - 1) & 0xFFFFFFFF
        ack = _signed(packet.ack - base[other]) if packet.has(FLAG_ACK) else 0
        result.append(Segment(
            number=packet.number, time=packet.time - time_zero, direction=direction,
            flags=flag_names(packet.flags), bits=packet.flags,
            seq=_signed(packet.seq - base[direction]), ack=ack, length=packet.length,
            window=packet.window, payload=bytes(packet.payload), mss=packet.mss,
            wscale=packet.wscale))
    return result


# --- handshake -------------------------------------------------------------------------------

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


# --- teardown --------------------------------------------------------------------------------

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
                 and s.has(FLAG_ACK) and _signed(s.ack - target) >= 0), None)


# --- phases ----------------------------------------------------------------------------------

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
                    and _signed(segment.ack - fin_end[other]) >= 0)
        if segment.number in handshake_packets or (segment.has(FLAG_SYN) and segment.length == 0):
            segment.phase = "handshake"
        elif segment.bits & (FLAG_FIN | FLAG_RST) or acks_fin:
            segment.phase = "termination"
        else:
            segment.phase = "data"
        getattr(result, segment.phase).append(segment.number)
    return result


# --- anomalies -------------------------------------------------------------------------------

def window_anomalies(items: list[Segment]) -> list[Anomaly]:
    found: list[Anomaly] = []
    for segment in items:
        if segment.window == 0 and not segment.bits & (FLAG_SYN | FLAG_FIN | FLAG_RST):
            segment.notes.append("zero window")
            found.append(Anomaly("zero window", segment.number, segment.direction,
                                 T("anomaly.zero_window", side=side_name(segment.direction))))
    return found


def reset_anomalies(items: list[Segment]) -> list[Anomaly]:
    found: list[Anomaly] = []
    for segment in items:
        if segment.has(FLAG_RST):
            segment.notes.append("reset")
            found.append(Anomaly("reset", segment.number, segment.direction,
                                 T("anomaly.reset", flags=segment.flags,
                                   side=side_name(segment.direction))))
    return found


def duplicate_acks(items: list[Segment]) -> list[Anomaly]:
    """Duplicate ACKs as Wireshark finds them: a pure ACK that repeats its side's last one.

    No data, no SYN/FIN/RST, the same acknowledgement number and the same non-zero window as
    the side's previous packet, at the side's next sequence number: the receiver saw a segment
    beyond a hole and asks again for the bytes at that number. Noted on the segment ("duplicate
    ack") so the stream can tell a fast retransmission (`streams.stream`).
    """
    found: list[Anomaly] = []
    last: dict[str, tuple[int, int, int]] = {}  # direction -> (ack, window, its first frame)
    count: dict[str, int] = {C2S: 0, S2C: 0}
    next_seq: dict[str, int] = {}
    for segment in items:
        direction = segment.direction
        previous = last.get(direction)
        if (previous is not None and segment.pure_ack and segment.window
                and (segment.ack, segment.window) == previous[:2]
                and segment.seq == next_seq.get(direction)):
            count[direction] += 1
            segment.notes.append("duplicate ack")
            found.append(Anomaly("duplicate ack", segment.number, direction,
                                 T("anomaly.duplicate_ack", side=side_name(direction),
                                   count=count[direction], packet=previous[2],
                                   ack=segment.ack)))
        elif segment.has(FLAG_ACK):
            count[direction] = 0
            last[direction] = (segment.ack, segment.window, segment.number)
        end = segment.seq + segment.length + (1 if segment.bits & (FLAG_SYN | FLAG_FIN) else 0)
        if direction not in next_seq or _signed(end - next_seq[direction]) > 0:
            next_seq[direction] = end
    return found
