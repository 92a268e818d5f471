"""Verify a converged lab from what landed on the controller, read independently with tshark.

Shared by the molecule scenarios (each lists this file in its verifier's additional files).
Each capture of the run (captures/latest) must hold the three-way handshake, every message the
client sent and its correct reply, in order, and the teardown; the manifest's checksums must
match the files. Client and server are told apart by port, so a pair on one host (loopback)
reads the same way.
"""
import json
import os

import pytest
import testinfra

CONTROLLER = testinfra.get_host("local://")
RUN_DIR = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "captures", "latest")
testinfra_hosts = ["local://"]

TSHARK_FIELDS = ["frame.number", "tcp.srcport", "tcp.flags.syn", "tcp.flags.ack",
                 "tcp.flags.fin", "tcp.flags.reset", "tcp.seq", "tcp.len", "tcp.payload"]


def load_manifest():
    return json.loads(CONTROLLER.file(os.path.join(RUN_DIR, "manifest.json")).content_string)


MANIFEST = load_manifest()
CAPTURES = MANIFEST["captures"]
IDS = [f"{c['pair']}-{c['scenario']}" for c in CAPTURES]


def packets(capture):
    """The capture's packets as tshark reads them (relative sequence numbers)."""
    pcap = os.path.join(RUN_DIR, capture["files"]["pcap"])
    result = CONTROLLER.run_test(
        "tshark -r %s -o tcp.relative_sequence_numbers:TRUE -T fields -E separator=/t " +
        " ".join("-e " + field for field in TSHARK_FIELDS), pcap)
    assert result.rc == 0, result.stderr
    rows = []
    for line in result.stdout.splitlines():
        values = dict(zip(TSHARK_FIELDS, line.split("\t")))
        values["from_client"] = int(values["tcp.srcport"]) != capture["server"]["port"]
        rows.append(values)
    return rows


def flags(row):
    return {name for name in ("syn", "ack", "fin", "reset") if row[f"tcp.flags.{name}"] in ("1", "True")}


def stream(rows, from_client):
    """The bytes one side sent, in sequence order, each byte once (as the receiver saw them)."""
    data = {}
    for row in rows:
        if row["from_client"] == from_client and int(row["tcp.len"] or 0) > 0:
            seq = int(row["tcp.seq"])
            for offset, byte in enumerate(bytes.fromhex(row["tcp.payload"].replace(":", ""))):
                data.setdefault(seq + offset, byte)
    return bytes(data[key] for key in sorted(data))


def lines(data):
    """The messages of a stream: each is its UTF-8 text and a newline (DESIGN.md, wire format)."""
    if not data:
        return []
    assert data.endswith(b"\n"), f"the stream ends inside a line: {data[-40:]!r}"
    return [line.decode("utf-8") for line in data[:-1].split(b"\n")]


@pytest.fixture(scope="module", params=CAPTURES, ids=IDS)
def capture(request):
    return request.param


def test_every_capture_is_recorded_ok(capture):
    assert capture["status"] == "ok", capture["reasons"]


def test_run_covers_every_pair_and_scenario():
    assert sorted(IDS) == sorted(f"{p}-{s}" for p in MANIFEST["settings"]["pairs"]
                                 for s in MANIFEST["settings"]["scenarios"])


def test_manifest_checksums_match_the_files():
    assert MANIFEST["files"], "the manifest lists no files"
    for name, digest in MANIFEST["files"].items():
        assert CONTROLLER.file(os.path.join(RUN_DIR, name)).sha256sum == digest, name


def test_tcpdump_lost_nothing(capture):
    counts = capture["capture"]["counts"]
    # On loopback the kernel counts each packet twice (out and in); libpcap keeps one.
    copies = 2 if capture["capture"]["interface"] == "lo" else 1
    assert counts["dropped_by_kernel"] == 0
    assert counts["received_by_filter"] == copies * counts["captured"] > 0


def test_pcap_holds_three_way_handshake(capture):
    first = packets(capture)[:3]
    assert [flags(p) for p in first] == [{"syn"}, {"syn", "ack"}, {"ack"}]
    assert [p["from_client"] for p in first] == [True, False, True]
    assert int(first[0]["tcp.srcport"]) != capture["server"]["port"]


def test_pcap_holds_every_message_in_order(capture):
    assert lines(stream(packets(capture), from_client=True)) == capture["messages"]


def test_pcap_holds_every_correct_reply_in_order(capture):
    spec = MANIFEST["scenarios"][capture["scenario"]]
    expected = [spec["reply_format"].replace("{message}", m) for m in capture["messages"]]
    assert lines(stream(packets(capture), from_client=False)) == expected


def test_pcap_ends_with_teardown_started_by_client(capture):
    rows = packets(capture)
    assert not any("reset" in flags(p) for p in rows)
    fins = [p for p in rows if "fin" in flags(p)]
    assert [p["from_client"] for p in fins] == [True, False]
    last = rows[-1]
    assert flags(last) == {"ack"} and last["from_client"]


def test_transcripts_show_each_reply(capture):
    log = CONTROLLER.file(os.path.join(RUN_DIR, capture["files"]["client_log"])).content_string
    for reply in capture["expected_replies"]:
        assert f": {reply}\n" in log


def test_no_tcpdump_left_running():
    assert CONTROLLER.run("pgrep -x tcpdump").rc == 1
