"""Documentation of a capture's settings (modules capture and docker_exchange); their argument
spec is module_utils/arguments.py's CAPTURE, the defaults module_utils/tcpdump.py's."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  settle:
    type: float
    default: 0.5
    description: Seconds without a new packet before a capture is stopped (the teardown's last ACK is in it).
  buffer_kib:
    type: int
    default: 8192
    description:
      - Kernel capture buffer per capture in KiB (tcpdump C(-B)).
      - With immediate mode the buffer is a ring of O(snaplen)-sized slots, so 8 MiB holds about
        120 of the largest frames an IPv4 packet can make on a bridge.
  snaplen:
    type: int
    default: 65600
    description: Longest frame a capture keeps (tcpdump C(-s)), just over the largest IPv4 frame.
"""
