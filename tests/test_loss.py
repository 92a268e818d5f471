"""A lost segment, as a lesson: the lab's nftables table (module_utils/loss.py) between two
network namespaces of the test's own, and the verdict on a loss scenario's capture.

Real TCP between the lab's reqresp programs, tcpdump writing the capture on the sender's side of
the wire (where the lab's bridge capture is), the table in the receiver's namespace: it drops
exactly the chosen data segments, once each; Wireshark finds the retransmission; the analyzer
calls a loss scenario's capture incomplete when it has no retransmission from that side.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_collections.tcplab.lab.plugins.module_utils import loss
from netns import Wire, can_make_wires
from test_analyzer_real import lab_exchange

from tcplab.analysis.analyze import analyze
from tcplab.formats.manifest import CaptureJob
from tcplab.formats.scenarios import Loss, Scenario
from tcplab.i18n import language

NO_WIRE = can_make_wires()
pytestmark = [pytest.mark.skipif(NO_WIRE is not None, reason=str(NO_WIRE)),
              pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")]
PORT = 2223
MESSAGES = ["hello", "this one is lost once", "selamat pagi, server!"]


def rows(pcap: Path, display_filter: str) -> list[int]:
    found = subprocess.run(["tshark", "-r", str(pcap), "-Y", display_filter, "-T", "fields",
                            "-e", "frame.number"], capture_output=True, text=True, check=True)
    return [int(n) for n in found.stdout.split()]


def verdict(pcap: Path, lost: Loss | None):
    spec = Scenario("reqresp-loss", PORT, "{message}", tuple(MESSAGES), lost)
    return analyze(CaptureJob(pair="p01", scenario="reqresp-loss", pcap=pcap, pcap_name=pcap.name,
                              spec=spec, messages=MESSAGES, server_port=PORT))


def lossy_exchange(tmp_path: Path, direction: str, segments: list[int]) -> tuple[Path, int]:
    """The exchange with the table in the receiver's namespace; (pcap, segments it dropped)."""
    pcap = tmp_path / f"{direction}.pcap"
    with Wire() as wire:
        receiver = wire.server_ns if direction == "to_server" else wire.client_ns
        nft = [*wire.exec(receiver), "nft"]
        loss.install(nft, PORT, {"direction": direction, "segments": segments})
        assert loss.present(nft)
        lab_exchange(wire, pcap, MESSAGES, port=PORT)
        dropped = loss.dropped(nft)
        loss.remove(nft)
        assert not loss.present(nft)
        loss.remove(nft)  # removing what is not there is no error
    return pcap, dropped


def test_the_second_client_segment_is_lost_once_and_sent_again_after_the_timeout(tmp_path):
    pcap, dropped = lossy_exchange(tmp_path, "to_server", [2])
    assert dropped == 1
    data = rows(pcap, f"tcp.dstport == {PORT} && tcp.len > 0")
    assert rows(pcap, "tcp.analysis.retransmission") == [data[2]]  # the 2nd, sent again
    times = dict(zip(data, map(float, subprocess.run(
        ["tshark", "-r", str(pcap), "-Y", f"tcp.dstport == {PORT} && tcp.len > 0", "-T",
         "fields", "-e", "frame.time_relative"], capture_output=True, text=True,
        check=True).stdout.split())))
    assert times[data[2]] - times[data[1]] >= 0.2  # TCP's retransmission timeout, 200 ms at least
    result = verdict(pcap, Loss("to_server", (2,)))
    assert result.verdict == "complete", result.reasons
    [again] = [a for a in result.anomalies if a.kind == "retransmission"]
    assert (again.packet, again.of, again.direction) == (data[2], data[1], "C>S")
    # The same capture as a scenario that loses a server segment has not shown its lesson.
    other = verdict(pcap, Loss("to_client", (1,)))
    assert other.verdict == "incomplete"
    said = [language("en").render(r) for r in other.reasons]
    assert said == ["scenario reqresp-loss loses the server's data segment 1 once, but the server "
                    "sent nothing again: the capture shows no retransmission"]


def test_server_segments_one_and_three_are_lost_once_each(tmp_path):
    pcap, dropped = lossy_exchange(tmp_path, "to_client", [1, 3])
    assert dropped == 2
    # Counted as they reach the client: 1 (lost), 1 again, 2, 3 (lost: the 2nd reply), 3 again.
    data = rows(pcap, f"tcp.srcport == {PORT} && tcp.len > 0")
    assert len(data) == 5
    assert rows(pcap, f"tcp.srcport == {PORT} && tcp.analysis.retransmission") == [data[1], data[3]]
    assert verdict(pcap, Loss("to_client", (1, 3))).verdict == "complete"


def test_without_the_drop_a_loss_scenario_capture_is_incomplete_and_says_why(tmp_path):
    pcap = tmp_path / "plain.pcap"
    with Wire() as wire:
        lab_exchange(wire, pcap, MESSAGES, port=PORT)
    assert rows(pcap, "tcp.analysis.retransmission") == []
    assert verdict(pcap, None).verdict == "complete"
    result = verdict(pcap, Loss("to_server", (2,)))
    assert result.verdict == "incomplete"
    assert [language("id").render(r) for r in result.reasons] == [
        "skenario reqresp-loss menghilangkan segmen data ke-2 dari client satu kali, tetapi "
        "client tidak mengirim apa pun lagi: capture ini tidak menunjukkan retransmisi"]


def test_the_ruleset_names_only_numbers_and_counts_to_the_last_segment():
    text = loss.ruleset(PORT, {"direction": "to_client", "segments": [3, 1]})
    assert "set seen3 " in text and "set seen4 " not in text
    assert text.count('counter name "dropped" drop') == 2
    assert "tcp sport 2223" in text and "tcp dport" not in text


def test_on_a_machine_the_pairs_table_drops_only_its_own_connection(tmp_path):
    """On a machine the namespace is shared: each pair's table is its own and names the pair's
    addresses. The pair's table drops its segment; another pair's (another client) drops nothing;
    a stopped run's tables are found and removed by lab id, another lab's are left."""
    pcap = tmp_path / "machine.pcap"
    spec = {"direction": "to_server", "segments": [2]}
    with Wire() as wire:
        nft = [*wire.exec(wire.server_ns), "nft"]
        mine, other = loss.table_name("class-a", 1), loss.table_name("class-a", 2)
        stranger = loss.table_name("class-b", 1)
        loss.install(nft, PORT, spec, mine, (wire.server_ip, wire.client_ip))
        loss.install(nft, PORT, spec, other, (wire.server_ip, "10.250.199.9"))
        loss.install(nft, PORT, spec, stranger, (wire.server_ip, "10.250.199.8"))
        lab_exchange(wire, pcap, MESSAGES, port=PORT)
        assert (loss.dropped(nft, mine), loss.dropped(nft, other)) == (1, 0)
        assert loss.leftovers(nft, "class-a", dry_run=True) == ["nft table tcplab_loss.class-a.1",
                                                              "nft table tcplab_loss.class-a.2"]
        assert loss.present(nft, mine)
        loss.leftovers(nft, "class-a")
        assert not loss.present(nft, mine) and not loss.present(nft, other)
        assert loss.present(nft, stranger)
    assert len(rows(pcap, "tcp.analysis.retransmission")) == 1
    ipv6 = loss.ruleset(PORT, spec, "t", ("fd00::2", "fd00::3"))
    assert "ip6 saddr fd00::3 ip6 daddr fd00::2 tcp dport 2223" in ipv6 and "ip hdrlength" not in ipv6
    with pytest.raises(loss.LossError, match="not of one IP version"):
        loss.ruleset(PORT, spec, "t", ("fd00::2", "10.0.0.3"))
