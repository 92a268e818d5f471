"""Write synthetic but realistic TCP captures with dpkt, for tests and the benchmark.

A `Flow` plays one TCP connection packet by packet and keeps sequence and acknowledgement
numbers right, so a test states only what it is about::

    flow = Flow()
    flow.handshake()
    flow.send(C, b"hello\\n")
    flow.ack(S)
    flow.send(S, b"hello\\n")
    flow.ack(C)
    flow.close()
    write_pcap("x.pcap", flow.frames, link="ethernet")

Edge cases are made with the lower-level `Flow.packet` (explicit seq for a retransmission,
``R`` for a reset, no handshake at all...). `lab_flow` writes the whole standard exchange of a
scenario (the shape the seeds describe), used by the benchmark.

Frames can be wrapped in every link type the reader supports (`LINKS`) and written as pcap
(micro or nano) or pcapng.

The package: `flow` (a connection packet by packet, a whole lab exchange), `files` (link layers,
pcap and pcapng), `noise` (the rest of a laptop's traffic).
"""

from .files import CLIENT_MAC, LINKS, SERVER_MAC, write_pcap, write_pcapng
from .flow import C, S, Flow, Frame, ip_packet, lab_flow, reply_for, syn_options
from .noise import ip_header, noise, udp_packet

__all__ = ["C", "CLIENT_MAC", "LINKS", "S", "SERVER_MAC", "Flow", "Frame", "ip_header", "ip_packet",
           "lab_flow", "noise", "reply_for", "syn_options", "udp_packet", "write_pcap", "write_pcapng"]
