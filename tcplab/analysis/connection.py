"""One TCP connection as Wireshark shows it: which packets, which end is which, relative numbers.

- `conversations` groups a capture's packets by connection (a SYN with another initial sequence
  number on the same ports starts a new one); `assign_roles` says which end is the client: the
  SYN sender; without a handshake the manifest's server port, then the scenario ports, then the
  lower port; `on_port` and `main_conversation` find the scenario's connection.
- `segments` gives every packet Wireshark's relative seq/ack (see its docstring for the rule).
- `duplicate_acks`, `window_anomalies` and `reset_anomalies` name what Wireshark's TCP analysis
  names on single packets.
"""

from __future__ import annotations

from ..formats.scenarios import course_ports
from ..i18n import Text as T
from .model import C2S, OTHER, S2C, Anomaly, Conversation, Endpoint, Segment, side_name
from .packet import FLAG_ACK, FLAG_FIN, FLAG_RST, FLAG_SYN, TcpPacket, flag_names


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
                       ("scenario port", set(course_ports()))):
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
    for port in [server_port] if server_port else course_ports():
        candidates = on_port(found, port)
        if candidates:
            return next((c for c in candidates if carries_data(c)), candidates[0])
    if server_port:
        return None
    return next((c for c in found if carries_data(c)), found[0])


def signed32(delta: int) -> int:
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
        ack = signed32(packet.ack - base[other]) if packet.has(FLAG_ACK) else 0
        result.append(Segment(
            number=packet.number, time=packet.time - time_zero, direction=direction,
            flags=flag_names(packet.flags), bits=packet.flags,
            seq=signed32(packet.seq - base[direction]), ack=ack, length=packet.length,
            window=packet.window, payload=bytes(packet.payload), mss=packet.mss,
            wscale=packet.wscale))
    return result


def window_anomalies(items: list[Segment]) -> list[Anomaly]:
    found: list[Anomaly] = []
    for segment in items:
        if segment.window == 0 and not segment.bits & (FLAG_SYN | FLAG_FIN | FLAG_RST):
            segment.note("zero window")
            found.append(Anomaly("zero window", segment.number, segment.direction,
                                 T("anomaly.zero_window", side=side_name(segment.direction))))
    return found


def reset_anomalies(items: list[Segment]) -> list[Anomaly]:
    found: list[Anomaly] = []
    for segment in items:
        if segment.has(FLAG_RST):
            segment.note("reset")
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
            segment.note("duplicate ack")
            found.append(Anomaly("duplicate ack", segment.number, direction,
                                 T("anomaly.duplicate_ack", side=side_name(direction),
                                   count=count[direction], packet=previous[2],
                                   ack=segment.ack)))
        elif segment.has(FLAG_ACK):
            count[direction] = 0
            last[direction] = (segment.ack, segment.window, segment.number)
        end = segment.seq + segment.length + (1 if segment.bits & (FLAG_SYN | FLAG_FIN) else 0)
        if direction not in next_seq or signed32(end - next_seq[direction]) > 0:
            next_seq[direction] = end
    return found
