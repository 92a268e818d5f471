"""Two hosts of the test's own: network namespaces joined by a veth pair, for real TCP with loss.

`Wire` makes a client namespace and a server namespace (10.250.<n>.1 and .2, MTU 1500, segments
of one MTU each: the pair's GSO is limited so a big message crosses as many segments, as on a
real network), and runs programs in either with ``ip netns exec``. `Wire.drop` adds an nftables
rule in the server's namespace, where the receiver is: the capture on the client's side still
sees the segment, then the silence, the duplicate ACKs and the retransmission. Everything is
removed on exit. Needs root, iproute2 and nftables; traffic never leaves the namespaces.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from pathlib import Path

from analyzer_loopback import Tcpdump

_NUMBERS = itertools.count(1)


def can_make_wires() -> str | None:
    """None when namespaces, veth and nftables can be used here, else why not."""
    if os.geteuid() != 0:
        return "needs root for network namespaces"
    for tool in ("ip", "nft", "tcpdump"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


def run(argv: list[str], **options) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=30,
                          **options)


class Wire:
    """A client and a server namespace joined by one veth pair."""

    def __init__(self) -> None:
        number = next(_NUMBERS)
        tag = f"{os.getpid() % 100000}{number}"
        self.client_ns, self.server_ns = f"tlc{tag}", f"tls{tag}"
        self.client_if, self.server_if = f"tvc{tag}", f"tvs{tag}"
        subnet = 200 + (os.getpid() + number) % 50
        self.client_ip, self.server_ip = f"10.250.{subnet}.1", f"10.250.{subnet}.2"

    def __enter__(self) -> Wire:
        run(["ip", "netns", "add", self.client_ns])
        run(["ip", "netns", "add", self.server_ns])
        try:
            run(["ip", "link", "add", self.client_if, "type", "veth", "peer", "name",
                 self.server_if])
            for ns, interface, address in ((self.client_ns, self.client_if, self.client_ip),
                                           (self.server_ns, self.server_if, self.server_ip)):
                run(["ip", "link", "set", interface, "netns", ns])
                run(["ip", "-n", ns, "addr", "add", f"{address}/24", "dev", interface])
                run(["ip", "-n", ns, "link", "set", interface, "up", "gso_max_segs", "1",
                     "gso_max_size", "1500"])
                run(["ip", "-n", ns, "link", "set", "lo", "up"])
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for ns in (self.client_ns, self.server_ns):
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                                  text=True).stdout.split()
            for pid in pids:
                subprocess.run(["kill", "-9", pid], capture_output=True)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def exec(self, ns: str) -> list[str]:
        return ["ip", "netns", "exec", ns]

    def sysctl(self, ns: str, setting: str) -> None:
        run([*self.exec(ns), "sysctl", "-qw", setting])

    def nft(self, ns: str, *rules: str) -> None:
        """nftables rules in `ns`, in a table and an input chain of the test's own."""
        run([*self.exec(ns), "nft", "add", "table", "inet", "tcplab_test"])
        run([*self.exec(ns), "nft", "add", "chain", "inet", "tcplab_test", "input",
             "{ type filter hook input priority 0; }"])
        for rule in rules:
            run([*self.exec(ns), "nft", *rule.split()])

    def drop(self, port: int, packet: int) -> None:
        """Drop, once, the `packet`-th packet of each connection to `port` that reaches the
        server (conntrack counts them), as a lossy network would."""
        self.sysctl(self.server_ns, "net.netfilter.nf_conntrack_acct=1")
        self.nft(self.server_ns, f"add rule inet tcplab_test input tcp dport {port} ct original "
                                 f"packets {packet} drop")

    def tcpdump(self, pcap: Path, port: int) -> Tcpdump:
        """tcpdump on the client's side of the wire, listening when returned."""
        return Tcpdump(pcap, self.client_if, f"tcp port {port}", prefix=self.exec(self.client_ns))
