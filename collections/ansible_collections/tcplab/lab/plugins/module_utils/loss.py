"""A lost segment, as a lesson: the nftables table that drops a scenario's chosen data segments.

A scenario with ``loss: {direction, segments}`` (DESIGN.md, "A lost segment") has the RECEIVER
drop the chosen data segments of that direction, each once: the segment crosses the bridge (so
the capture there has the original), then the receiver's network namespace drops it, and TCP
sends it again after its retransmission timeout. The table ``inet tcplab_loss`` lives in that
namespace only while the scenario's exchange runs; its counter says how many segments it dropped.
On a machine the receiver's namespace is the machine's own, shared with other pairs: there the
table is the pair's (``tcplab_loss.<lab id>.<pair index>``) and its rules name the pair's two
addresses too.

How it counts without conntrack: a data segment is a TCP segment with payload (IP length above
the IP and TCP headers; one rule per TCP header length). Sets seen1..seenN work as a tally, keyed
by the server port: the k-th data segment finds seen(k-1) filled and fills seen(k); once seenN is
filled every later segment passes. The rule of a chosen k drops instead of passing, so each
chosen segment is dropped exactly once. Segments are counted as they reach the receiver, a
retransmission too: with segments [1, 3] the 3rd is the one after segment 1's retransmission.
"""

import ipaddress
import re
import shutil
import subprocess

TABLE = "tcplab_loss"
HEADER_WORDS = range(5, 16)  # TCP data offset: 5 (20 bytes) to 15 (60 bytes) 32-bit words
DROPPED = re.compile(r"packets (\d+)")


class LossError(Exception):
    """The drop could not be put in place or read back; the message is one line."""


def table_name(lab_id=None, pair_index=None):
    """The table's name: TABLE in a container's own namespace, TABLE.<lab id>.<index> on a machine."""
    return TABLE if lab_id is None else f"{TABLE}.{lab_id}.{int(pair_index)}"


def ruleset(port, loss, table=TABLE, ends=None):
    """nft's input for one scenario: drop loss["segments"] of loss["direction"] on `port`, once.

    ends: (server address, client address) to name the pair's connection on a shared machine;
    None in a container, whose namespace holds only the pair's own traffic.
    """
    port = int(port)
    key = "tcp dport" if loss["direction"] == "to_server" else "tcp sport"
    segments = sorted(int(n) for n in loss["segments"])
    last = segments[-1]
    families = {"ip": "", "ip6": ""}
    if ends is not None:
        server, client = (ipaddress.ip_address(a) for a in ends)
        if server.version != client.version:
            raise LossError(f"server {server} and client {client} are not of one IP version")
        source, destination = (client, server) if loss["direction"] == "to_server" else (server, client)
        family = "ip" if server.version == 4 else "ip6"
        families = {family: f"{family} saddr {source} {family} daddr {destination} "}
    lines = [f"table inet {table} {{", "  counter dropped {}"]
    lines += [f"  set seen{k} {{ type inet_service; flags dynamic; }}" for k in range(1, last + 1)]
    lines += ["  chain prerouting {", "    type filter hook prerouting priority raw; policy accept;"]
    for words in HEADER_WORDS:
        if "ip" in families:
            lines.append(f"    ip hdrlength 5 {families['ip']}{key} {port} tcp doff {words} "
                         f"ip length > {20 + 4 * words} jump data")
        if "ip6" in families:
            lines.append(f"    meta nfproto ipv6 {families['ip6']}{key} {port} tcp doff {words} "
                         f"ip6 length > {4 * words} jump data")
    lines += ["  }", "  chain data {", f"    {key} @seen{last} accept"]
    for k in range(last, 0, -1):
        fill = f"add @seen{k} {{ {key} }}"
        verdict = 'counter name "dropped" drop' if k in segments else "accept"
        lines.append(f"    {key} @seen{k - 1} {fill} {verdict}" if k > 1 else f"    {fill} {verdict}")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def nft_path():
    """Where nft is (root's PATH may lack /usr/sbin), or None when it is not installed."""
    return shutil.which("nft") or shutil.which("nft", path="/usr/sbin:/sbin")


def unusable(prefix):
    """Why nft cannot be used with `prefix` (its first line of error), or '' when it works."""
    try:
        _nft(prefix, ["list", "tables"])
    except LossError as error:
        return str(error)
    return ""


def _nft(prefix, args, text=None):
    result = subprocess.run(prefix + args, input=text, capture_output=True, text=True, check=False,
                            timeout=30)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise LossError(message[0] if message else f"nft exited {result.returncode}")
    return result.stdout


def install(prefix, port, loss, table=TABLE, ends=None):
    """Put the table in place in the namespace `prefix` runs nft in (e.g. [nsenter ... nft])."""
    remove(prefix, table)  # a table left by a run that was stopped starts nothing counted
    _nft(prefix, ["-f", "-"], ruleset(port, loss, table, ends))


def dropped(prefix, table=TABLE):
    """How many segments the table has dropped so far."""
    found = DROPPED.search(_nft(prefix, ["list", "counter", "inet", table, "dropped"]))
    if not found:
        raise LossError(f"nft did not say how many segments table {table} dropped")
    return int(found.group(1))


def present(prefix, table=TABLE):
    result = subprocess.run(prefix + ["list", "table", "inet", table], capture_output=True,
                            text=True, check=False, timeout=30)
    return result.returncode == 0


def remove(prefix, table=TABLE):
    """Remove the table when it is there."""
    if present(prefix, table):
        delete(prefix, table)


def delete(prefix, table=TABLE):
    """Remove a table known to be there; one that another cleaner of the same machine removed
    first is no error."""
    try:
        _nft(prefix, ["delete", "table", "inet", table])
    except LossError:
        if present(prefix, table):
            raise


def leftovers(prefix, lab_id, dry_run=False):
    """Remove the tables a stopped run of lab `lab_id` left on this machine; their names."""
    result = subprocess.run(prefix + ["list", "tables", "inet"], capture_output=True, text=True,
                            check=False, timeout=30)
    names = [line.split()[-1] for line in result.stdout.splitlines() if line.startswith("table inet ")]
    names = [n for n in names if re.fullmatch(rf"{re.escape(TABLE)}\.{re.escape(lab_id)}\.\d+", n)]
    if not dry_run:
        for name in names:
            delete(prefix, name)
    return [f"nft table {name}" for name in names]
