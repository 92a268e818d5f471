"""A lost segment, as a lesson: the nftables table that drops a scenario's chosen data segments.

A scenario with ``loss: {direction, segments}`` (DESIGN.md, "A lost segment") has the RECEIVER
drop the chosen data segments of that direction, each once: the segment crosses the bridge (so
the capture there has the original), then the receiver's network namespace drops it, and TCP
sends it again after its retransmission timeout. The table ``inet tcplab_loss`` lives in that
namespace only while the scenario's exchange runs; its counter says how many segments it dropped.

How it counts without conntrack: a data segment is a TCP segment with payload (IP length above
the IP and TCP headers; one rule per TCP header length). Sets seen1..seenN work as a tally, keyed
by the server port: the k-th data segment finds seen(k-1) filled and fills seen(k); once seenN is
filled every later segment passes. The rule of a chosen k drops instead of passing, so each
chosen segment is dropped exactly once. Segments are counted as they reach the receiver, a
retransmission too: with segments [1, 3] the 3rd is the one after segment 1's retransmission.
"""

import re
import subprocess

TABLE = "tcplab_loss"
HEADER_WORDS = range(5, 16)  # TCP data offset: 5 (20 bytes) to 15 (60 bytes) 32-bit words
DROPPED = re.compile(r"packets (\d+)")


class LossError(Exception):
    """The drop could not be put in place or read back; the message is one line."""


def ruleset(port, loss):
    """nft's input for one scenario: drop loss["segments"] of loss["direction"] on `port`, once."""
    port = int(port)
    key = "tcp dport" if loss["direction"] == "to_server" else "tcp sport"
    segments = sorted(int(n) for n in loss["segments"])
    last = segments[-1]
    lines = [f"table inet {TABLE} {{", "  counter dropped {}"]
    lines += [f"  set seen{k} {{ type inet_service; flags dynamic; }}" for k in range(1, last + 1)]
    lines += ["  chain prerouting {", "    type filter hook prerouting priority raw; policy accept;"]
    for words in HEADER_WORDS:
        lines.append(f"    ip hdrlength 5 {key} {port} tcp doff {words} "
                     f"ip length > {20 + 4 * words} jump data")
        lines.append(f"    meta nfproto ipv6 {key} {port} tcp doff {words} "
                     f"ip6 length > {4 * words} jump data")
    lines += ["  }", "  chain data {", f"    {key} @seen{last} accept"]
    for k in range(last, 0, -1):
        fill = f"add @seen{k} {{ {key} }}"
        verdict = 'counter name "dropped" drop' if k in segments else "accept"
        lines.append(f"    {key} @seen{k - 1} {fill} {verdict}" if k > 1 else f"    {fill} {verdict}")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def _nft(prefix, args, text=None):
    result = subprocess.run(prefix + args, input=text, capture_output=True, text=True, check=False,
                            timeout=30)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise LossError(message[0] if message else f"nft exited {result.returncode}")
    return result.stdout


def install(prefix, port, loss):
    """Put the table in place in the namespace `prefix` runs nft in (e.g. [nsenter ... nft])."""
    remove(prefix)  # a table left by a run that was stopped starts nothing counted
    _nft(prefix, ["-f", "-"], ruleset(port, loss))


def dropped(prefix):
    """How many segments the table has dropped so far."""
    found = DROPPED.search(_nft(prefix, ["list", "counter", "inet", TABLE, "dropped"]))
    if not found:
        raise LossError(f"nft did not say how many segments table {TABLE} dropped")
    return int(found.group(1))


def present(prefix):
    result = subprocess.run(prefix + ["list", "table", "inet", TABLE], capture_output=True,
                            text=True, check=False, timeout=30)
    return result.returncode == 0


def remove(prefix):
    """Remove the table when it is there."""
    if present(prefix):
        _nft(prefix, ["delete", "table", "inet", TABLE])
