"""The controller's judgement of a capture (when it is ok) and what the manifest lists."""
import json

import pytest
from ansible_collections.tcplab.lab.plugins.module_utils import record
from ansible_collections.tcplab.lab.plugins.plugin_utils import manifest
from ansible_collections.tcplab.lab.plugins.module_utils.files import sha256, write_if_changed

SPEC = {"name": "upcall", "port": 4141, "reply_format": "Upcall event: Processing {message}"}
COUNTS = {"captured": 14, "received_by_filter": 14, "dropped_by_kernel": 0}


MESSAGES = ["1", "two"]


def params(tmp_path, **changes):
    """(a merged exchange result, the controller's sha256 of its pcap)."""
    pcap = tmp_path / "upcall.pcap"
    pcap.write_bytes(b"pcap bytes")
    base = {
        "pair": "p01", "scenario": "upcall", "started": "2026-11-21T00:00:00Z", "error": "",
        "client": {"ran": True, "rc": 0, "host": "c", "address": "10.0.0.3",
                   "stdout": "Connected\nReceived upcall from server: Upcall event: Processing 1\n"
                             "Received upcall from server: Upcall event: Processing two"},
        "server": {"ran": True, "finished": True, "rc": 0, "host": "s", "address": "10.0.0.2"},
        "capture": {"interface": "br-1", "counts": dict(COUNTS), "sha256": sha256(str(pcap))},
    }
    for key, value in changes.items():
        base[key] = {**base[key], **value} if isinstance(value, dict) else value
    return base, sha256(str(pcap))


def judge(result, local_sha):
    return record.judge(result, SPEC, MESSAGES, local_sha)


def test_complete_exchange_is_ok(tmp_path):
    p, pcap = params(tmp_path)
    result = judge(p, pcap)
    assert (result["status"], result["reasons"], result["answered"]) == ("ok", [], 2)
    assert result["expected_replies"] == ["Upcall event: Processing 1", "Upcall event: Processing two"]


def test_kernel_drops_fail_the_capture(tmp_path):
    p, pcap = params(tmp_path, capture={"counts": {**COUNTS, "dropped_by_kernel": 3}})
    assert judge(p, pcap)["reasons"] == ["tcpdump: 3 packets dropped by the kernel"]


def test_shortfall_fails_the_capture_on_a_bridge_but_not_loopbacks_double_count(tmp_path):
    p, pcap = params(tmp_path, capture={"counts": {**COUNTS, "received_by_filter": 28}})
    assert judge(p, pcap)["reasons"] == ["tcpdump captured 14 of the 28 packets its filter received"]
    p, pcap = params(tmp_path, capture={"interface": "lo", "counts": {**COUNTS, "received_by_filter": 28}})
    assert judge(p, pcap)["status"] == "ok"
    p, pcap = params(tmp_path, capture={"interface": "lo", "counts": {**COUNTS, "received_by_filter": 30}})
    assert judge(p, pcap)["reasons"] == ["tcpdump captured 14 of the 15 packets its filter received"]


def test_checksum_mismatch_and_missing_pcap_fail(tmp_path):
    p, pcap = params(tmp_path, capture={"sha256": "0" * 64})
    assert judge(p, pcap)["reasons"] == ["the pcap's sha256 on the controller differs from the capture host's"]
    p, _ = params(tmp_path)
    assert judge(p, None)["reasons"] == ["the pcap did not reach the controller"]


def test_program_failures_are_named_with_their_last_line(tmp_path):
    p, pcap = params(tmp_path, client={"rc": 1, "stdout": "Connected\n",
                                       "stderr": "error: no reply from 10.0.0.2:4141 within 10 seconds"},
                     server={"finished": False})
    assert judge(p, pcap)["reasons"] == [
        "client exited 1: error: no reply from 10.0.0.2:4141 within 10 seconds",
        "server did not finish in time",
        "0 of 2 messages got their correct reply"]


def test_an_early_stop_explains_an_empty_capture(tmp_path):
    p, pcap = params(tmp_path, error="Port 4141 on s is already in use", client={"ran": False, "stdout": ""},
                     server={"ran": False}, capture={"counts": {**COUNTS, "captured": 0, "received_by_filter": 0}})
    assert judge(p, pcap)["reasons"] == ["Port 4141 on s is already in use"]


def test_manifest_lists_captured_files_not_derived_ones(tmp_path):
    for name in ("p01/upcall.pcap", "p01/upcall.json", "report.html", "report.json", "summary.txt",
                 "grades.csv", "manifest.json", "ladders/p01/upcall.svg", "ladders/p01/upcall.png",
                 "p01/upcall.annotated.pcapng", "errors.log"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    assert sorted(manifest.run_files(str(tmp_path))) == ["p01/upcall.json", "p01/upcall.pcap"]


def test_a_missing_record_counts_as_failed_and_latest_points_at_the_run(tmp_path):
    run = tmp_path / "r1"
    (run / "p01").mkdir(parents=True)
    (run / "p01" / "reqresp.json").write_text(json.dumps(
        {"pair": "p01", "scenario": "reqresp", "status": "ok", "reasons": [], "messages": ["a"], "answered": 1,
         "capture": {"counts": COUNTS, "tcpdump": "tcpdump version 4.99.3"}, "image": "sha256:1"}))
    changed, counts, failed = manifest.write_manifest(str(run), "r1", "lab", ["p01", "p02"],
                                                      {"reqresp": {"port": 2222}}, {}, {})
    assert (changed, counts, failed) == (True, "Run r1: 1 of 2 captures ok", ["p02/reqresp"])
    written = json.loads((run / "manifest.json").read_text())
    assert written["captures"][1]["reasons"][0].startswith("no record:")
    assert written["versions"]["tcpdump"] == ["tcpdump version 4.99.3"] and written["versions"]["image_id"] == ["sha256:1"]
    assert list(written["files"]) == ["p01/reqresp.json"]
    assert (tmp_path / "latest").resolve() == run.resolve()
    assert manifest.write_manifest(str(run), "r1", "lab", ["p01", "p02"], {"reqresp": {"port": 2222}}, {}, {})[0] is False


@pytest.mark.parametrize("text,changed", [("same", False), ("other", True)])
def test_write_if_changed_leaves_equal_content_alone(tmp_path, text, changed):
    path = tmp_path / "f.json"
    path.write_text("same")
    assert write_if_changed(str(path), text) is changed
    assert path.read_text() == text


def test_parts_from_each_machine_merge_into_one_result_first_error_first():
    merged = record.merge([
        {"p01/upcall": {"pair": "p01", "capture": {"host": "hv", "counts": None}, "error": ""}},
        {"p01/upcall": {"capture": {"interface": "virbr0", "listening": "yes"}, "error": "tcpdump: gone"}},
        {"p01/upcall": {"client": {"ran": True, "rc": 1}, "error": "cannot connect"}},
        {"p01/upcall": {"capture": {"counts": COUNTS}}},
    ])
    assert merged == {"p01/upcall": {
        "pair": "p01", "error": "tcpdump: gone; cannot connect", "client": {"ran": True, "rc": 1},
        "capture": {"host": "hv", "interface": "virbr0", "listening": "yes", "counts": COUNTS}}}


def test_a_batch_writes_records_and_names_a_pair_whose_machines_did_not_report(tmp_path):
    pairs = [{"name": name, "messages": {"upcall": MESSAGES},
              "server": {"host": f"{name}-s", "address": "10.0.0.2"},
              "client": {"host": f"{name}-c", "address": "10.0.0.3"},
              "capture": {"host": "localhost", "interface": "br-1"}} for name in ("p01", "p02")]
    (tmp_path / "p01").mkdir()
    (tmp_path / "p01" / "upcall.pcap").write_bytes(b"pcap bytes")
    good, _ = params(tmp_path)
    changed, summary = record.record_batch(str(tmp_path), {"upcall": SPEC}, pairs, {"upcall": ["p01", "p02"]},
                                           [{"p01/upcall": good}], {})
    assert changed
    assert [(s["pair"], s["status"]) for s in summary] == [("p01", "ok"), ("p02", "failed")]
    assert summary[1]["reasons"][0].startswith("no result: the machines of pair p02 did not report")
    written = json.loads((tmp_path / "p01" / "upcall.json").read_text())
    assert written["files"] == {"server_log": "p01/upcall.server.log", "client_log": "p01/upcall.client.log",
                                "pcap": "p01/upcall.pcap"}
    assert (tmp_path / "p01" / "upcall.client.log").read_text().startswith("Connected\n")
    assert record.record_batch(str(tmp_path), {"upcall": SPEC}, pairs, {"upcall": ["p01", "p02"]},
                               [{"p01/upcall": good}], {})[0] is False


def _archive(path, members):
    """A tar like the capture hosts pack: {name: bytes}, in order."""
    import io
    import tarfile
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return str(path)


def test_a_pair_whose_machine_failed_earlier_is_not_run_and_says_which_machine(tmp_path):
    """vm02 failed while it was made ready: the pair it serves was not run, and its record names
    vm02 rather than guessing at an unreachable machine; the other pair is judged as usual."""
    pairs = [{"name": name, "messages": {"upcall": MESSAGES},
              "server": {"host": server, "address": "10.0.0.2"},
              "client": {"host": "vm01", "address": "10.0.0.3"},
              "capture": {"host": "hv", "interface": "br-1"}}
             for name, server in (("p01", "vm02"), ("p02", "vm01"))]
    changed, summary = record.record_batch(str(tmp_path), {"upcall": SPEC}, pairs,
                                           {"upcall": ["p01", "p02"]},
                                           [{"p01/upcall": {"client": {"ran": True, "rc": 1}}}], {},
                                           unready=["vm02"])
    assert summary[0]["reasons"] == ["not run: machine vm02 failed earlier in this run (its error "
                                     "is above in the playbook's output)"]
    assert summary[1]["reasons"][0].startswith("no result: the machines of pair p02 did not report")


def test_an_archive_delivers_only_its_own_hosts_captures(tmp_path):
    run_dir = tmp_path / "run"
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    archives = {
        "vm1": _archive(incoming / "vm1.tar", {"p01/reqresp.pcap": b"p01 from vm1",
                                               "p02/reqresp.pcap": b"p02 forged by vm1",
                                               "../../escape.pcap": b"never"}),
        "vm2": _archive(incoming / "vm2.tar", {"p02/reqresp.pcap": b"p02 from vm2"})}
    refused = record.unpack(archives, str(run_dir), {"vm1": ["p01/reqresp"],
                                                     "vm2": ["p02/reqresp"]})
    assert refused == {}
    assert (run_dir / "p01" / "reqresp.pcap").read_bytes() == b"p01 from vm1"
    assert (run_dir / "p02" / "reqresp.pcap").read_bytes() == b"p02 from vm2"
    assert not (tmp_path / "escape.pcap").exists() and not incoming.exists()


def test_an_archive_member_beyond_the_bound_or_a_damaged_archive_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(record, "MAX_PCAP_BYTES", 10)  # the bound, met without writing a GiB
    run_dir = tmp_path / "run"
    archives = {"vm1": _archive(tmp_path / "vm1.tar", {"p01/reqresp.pcap": b"x" * 11}),
                "vm2": str(tmp_path / "vm2.tar")}
    (tmp_path / "vm2.tar").write_bytes(b"not a tar at all" * 100)
    refused = record.unpack(archives, str(run_dir), {"vm1": ["p01/reqresp"],
                                                     "vm2": ["p02/reqresp"]})
    assert refused["p01/reqresp"] == ("the pcap from vm1 is 11 bytes, more than a capture may be "
                                      "(10)")
    assert refused["p02/reqresp"].startswith("the archive of pcaps from vm2 is damaged: ")
    assert not (run_dir / "p01" / "reqresp.pcap").exists()


@pytest.mark.parametrize("dropped, why", [
    (1, None),
    (0, "the receiver dropped no segment"),
    (None, "the receiver dropped no segment"),
])
def test_a_loss_scenario_is_ok_only_when_its_segment_was_dropped(tmp_path, dropped, why):
    lossy = {**SPEC, "loss": {"direction": "to_server", "segments": [2]}}
    p, pcap = params(tmp_path)
    p["loss"] = {"direction": "to_server", "segments": [2], "dropped": dropped, "receiver": "s",
                 "table": "tcplab_loss"}
    result = record.judge(p, lossy, MESSAGES, pcap)
    assert result["loss"]["dropped"] == dropped
    if why is None:
        assert (result["status"], result["reasons"]) == ("ok", [])
    else:
        assert result["status"] == "failed"
        assert result["reasons"] == [
            f"scenario upcall drops data segment 2 to_server once, but {why}, so the capture lacks "
            "the retransmission it is for (did the client send that many data segments?)"]
    assert "loss" not in judge(params(tmp_path)[0], pcap)  # other scenarios' records have none
def test_a_capture_holding_a_connection_that_is_not_its_pairs_is_never_ok(tmp_path):
    """A real capture of the real programs on 127.0.0.1: ok for a pair whose server and client are
    127.0.0.1, failed, naming the connection, for a pair whose client is another address."""
    from analyzer_loopback import capture_exchange
    pcap = tmp_path / "real.pcap"
    captured = capture_exchange(pcap, "upcall", MESSAGES)
    spec = {**SPEC, "port": captured.port}
    p, _ = params(tmp_path, client={"address": "127.0.0.1", "stdout": captured.client_output},
                    server={"address": "127.0.0.1"}, capture={"sha256": sha256(str(pcap)), "counts": {
                        **COUNTS, "captured": captured.counts["captured"],
                        "received_by_filter": captured.counts["captured"]}})
    sha = sha256(str(pcap))
    assert record.judge(p, spec, MESSAGES, sha, str(pcap))["status"] == "ok"
    p["client"]["address"] = "10.0.0.3"
    result = record.judge(p, spec, MESSAGES, sha, str(pcap))
    assert result["status"] == "failed"
    [reason] = result["reasons"]
    assert reason.startswith("the capture holds a TCP connection that is not the pair's: 127.0.0.1:")
    assert reason.endswith(f" (the pair's is 127.0.0.1 - 10.0.0.3, port {captured.port})")
    p["client"]["address"] = "127.0.0.1"
    assert record.judge(p, {**spec, "port": captured.port + 1}, MESSAGES, sha, str(pcap))["status"] == "failed"


def test_the_same_two_machines_in_turned_roles_are_another_pairs_connection(tmp_path):
    """Two pairs on vm01 and vm02, one served by each, captured on one bridge: the other pair's
    connection (same two addresses, the server's port on the other machine) is not this pair's."""
    from tcplab.craft import Flow, write_pcap
    ours = Flow(client=("10.0.0.12", 40000), server=("10.0.0.11", 2222))
    theirs = Flow(client=("10.0.0.11", 40001), server=("10.0.0.12", 2222), start=ours.start + 1)
    for flow in (ours, theirs):
        flow.handshake()
        flow.close()
    alone = write_pcap(tmp_path / "alone.pcap", ours.frames)
    both = write_pcap(tmp_path / "both.pcap", ours.frames + theirs.frames)
    assert record.foreign_reasons(str(alone), "10.0.0.11", "10.0.0.12", 2222) == []
    assert record.foreign_reasons(str(both), "10.0.0.11", "10.0.0.12", 2222) == [
        "the capture holds a TCP connection that is not the pair's: 10.0.0.11:40001 - "
        "10.0.0.12:2222 (the pair's is 10.0.0.11 - 10.0.0.12, port 2222)"]
