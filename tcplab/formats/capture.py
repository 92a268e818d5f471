"""How the lab captures a pair, as the Python side says it: tcpdump's snaplen and the filter of a
pair's own conversation, made from the pair's record in the plan (`tcplab.formats.plan`).

The capture hosts run the collection's module_utils (tcpdump.py, plan.py), which ship without
this package and say the same (tests/test_plan.py checks they agree).
"""

from __future__ import annotations

# The longest frame a capture keeps (tcpdump -s): the largest IPv4 frame, a 64 KiB GSO packet.
# In immediate mode the kernel's ring has slots of this size (DESIGN.md, "Batches per machine").
SNAPLEN = 65600


def capture_filter(pair: dict, ports: list[int]) -> str:
    """tcpdump's filter for one pair's conversations on one port or several: its client and its
    server's end on the port, so two pairs on the same two machines in turned roles (one bridge,
    vm01 serving one, vm02 the other) are told apart."""
    server = pair["server"]["address"]

    def end(side: str) -> str:
        on = " or ".join(f"{side} port {port}" for port in ports)
        return f"{side} host {server} and " + (on if len(ports) == 1 else f"({on})")

    return f"tcp and host {pair['client']['address']} and (({end('src')}) or ({end('dst')}))"
