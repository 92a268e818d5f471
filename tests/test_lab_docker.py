"""The lab's playbooks against the real local Docker engine (slow: minutes, not seconds).

Each test uses a lab id and an address pool of its own, so nothing here touches a teacher's
lab or the molecule scenario, and tears down what it made.
"""
import ipaddress
import json
from pathlib import Path

import subprocess

import docker
import pytest
from lab_playbook import ansible_playbook

DOCKER = docker.from_env()


def playbook(name, *extra, check=True, **variables):
    """Run one of the project's playbooks with the default inventory and extra variables."""
    result = ansible_playbook(name, *extra, variables=variables)
    if check:
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result


def labelled(lab_id):
    label = {"label": f"org.tcplab.lab={lab_id}"}
    return (DOCKER.containers.list(all=True, filters=label), DOCKER.networks.list(filters=label))


@pytest.fixture
def lab(tmp_path):
    """Settings for a lab of the test's own; torn down afterwards."""
    settings = {"lab_id": "tcplab-pytest", "lab_network_pool": "10.215.0.0/16",
                "lab_captures_dir": str(tmp_path / "captures")}
    yield settings
    playbook("tcplab.lab.teardown", lab_id=settings["lab_id"])


def manifest(lab, run_id):
    return json.loads((Path(lab["lab_captures_dir"]) / run_id / "manifest.json").read_text())


def statuses(data):
    return {f"{c['pair']}/{c['scenario']}": c["status"] for c in data["captures"]}


def test_one_failing_pair_does_not_spoil_the_class_and_a_rerun_retries_only_it(lab):
    playbook("lab.yml", **lab, lab_run_id="warmup")
    # Occupy p02's reqresp port: that capture must fail, clearly, and nothing else.
    squatter = DOCKER.containers.get("tcplab-pytest-p02-server")
    squatter.exec_run(["python3", "-c", "import socket,time; s=socket.socket(); s.bind(('0.0.0.0',2222));"
                       "s.listen(1); time.sleep(600)"], detach=True)
    failed = playbook("lab.yml", check=False, **lab, lab_run_id="retry")
    assert failed.returncode != 0
    data = manifest(lab, "retry")
    assert statuses(data) == {"p01/reqresp": "ok", "p01/upcall": "ok", "p02/reqresp": "failed", "p02/upcall": "ok"}
    reasons = next(c["reasons"] for c in data["captures"] if c["pair"] == "p02" and c["scenario"] == "reqresp")
    assert reasons[0].startswith("Port 2222 on tcplab-pytest-p02-server is already in use"), reasons
    assert len(reasons) == 1, reasons
    assert "1 capture(s) failed: p02/reqresp" in " ".join((failed.stdout + failed.stderr).split())
    summary = (Path(lab["lab_captures_dir"]) / "retry" / "summary.txt").read_text().splitlines()
    assert summary[-1] == f"Run folder: {lab['lab_captures_dir']}/retry"
    assert summary[-2] == f"Report: {lab['lab_captures_dir']}/retry/report.html"
    assert (Path(lab["lab_captures_dir"]) / "retry" / "report.html").is_file()
    kept = {name: (Path(lab["lab_captures_dir"]) / "retry" / name).read_bytes()
            for name in ("p01/reqresp.pcap", "p02/upcall.pcap")}

    squatter.exec_run(["pkill", "-f", "time.sleep"])
    playbook("lab.yml", **lab, lab_run_id="retry")
    data = manifest(lab, "retry")
    assert set(statuses(data).values()) == {"ok"}
    for name, content in kept.items():  # the captures that were fine were not taken again
        assert (Path(lab["lab_captures_dir"]) / "retry" / name).read_bytes() == content


def test_bad_variable_fails_before_anything_starts_and_names_it(lab):
    result = playbook("lab.yml", check=False, **lab, lab_messages={"upcall": [1, 2]})
    assert result.returncode != 0
    output = " ".join((result.stdout + result.stderr).split())  # long messages may be wrapped
    assert "Messages of lab_messages" in output and "write \"1\", not 1" in output
    assert labelled(lab["lab_id"]) == ([], [])
    result = playbook("lab.yml", check=False, **lab, lab_run_scenarios=["reqresp", "pubsub"])
    assert "lab_run_scenarios ['reqresp', 'pubsub']: each must be one of" in " ".join(
        (result.stdout + result.stderr).split())
    assert labelled(lab["lab_id"]) == ([], [])


def test_a_class_of_42_pairs_provisions_and_teardown_removes_exactly_it(lab, tmp_path):
    """... and on the Docker host, after the containers, the capture a run cut short left running
    (its pid file in the lab's spool) and the spool itself."""
    decoy_network = DOCKER.networks.create("tcplab-pytest-decoy", labels={"org.tcplab.lab": "someone-else"})
    decoy = DOCKER.containers.create("tcplab/debian-python3:bookworm", name="tcplab-pytest-p01-decoy")
    spool = Path("/var/tmp/tcplab") / lab["lab_id"]
    left = subprocess.Popen(["tcpdump", "-i", "lo", "-w", str(tmp_path / "left.pcap"), "port", "9"],
                            stderr=subprocess.DEVNULL)
    try:
        playbook("lab.yml", "--tags", "lab_provision", **lab, lab_class_size=42)
        containers, networks = labelled(lab["lab_id"])
        assert len(networks) == 42 and len(containers) == 84
        subnets = [ipaddress.ip_network(n.attrs["IPAM"]["Config"][0]["Subnet"]) for n in networks]
        assert len(set(subnets)) == 42
        assert all(s.subnet_of(ipaddress.ip_network(lab["lab_network_pool"])) for s in subnets)
        assert all(c.status == "running" for c in containers)
        (spool / "r-cut-short" / "p01").mkdir(parents=True, exist_ok=True)
        (spool / "r-cut-short" / "p01" / "reqresp.tcpdump.pid").write_text(f"{left.pid}\n")

        playbook("tcplab.lab.teardown", lab_id=lab["lab_id"])
        assert labelled(lab["lab_id"]) == ([], [])
        assert left.wait(timeout=10) is not None and not spool.exists()
        decoy.reload()  # raises NotFound if teardown removed what it did not make
        decoy_network.reload()
    finally:
        left.kill()
        left.wait()
        decoy.remove(force=True)
        decoy_network.remove()


def client_payload(pcap, server_port):
    """The bytes the client sent, in order, as tshark reads them from the pcap."""
    rows = subprocess.run(["tshark", "-r", str(pcap), "-Y", f"tcp.dstport == {server_port} && tcp.len > 0",
                           "-T", "fields", "-e", "tcp.payload"], capture_output=True, text=True, check=True)
    return b"".join(bytes.fromhex(line.replace(":", "")) for line in rows.stdout.split())


def test_exchange_alone_reruns_a_provisioned_class_and_messages_travel_literally(lab, tmp_path):
    marker = tmp_path / "templated"
    messages = {"reqresp": ["{{ 7*7 }}", "{{ lookup('ansible.builtin.pipe', 'touch " + str(marker) + "') }}"]}
    playbook("lab.yml", "--tags", "lab_provision", **lab, lab_class_size=1)
    assert {c.status for c in labelled(lab["lab_id"])[0]} == {"running"}
    playbook("lab.yml", "--tags", "lab_exchange", **lab, lab_class_size=1, lab_run_id="exchange-only",
             lab_messages=messages)
    run = Path(lab["lab_captures_dir"]) / "exchange-only"
    record = json.loads((run / "p01" / "reqresp.json").read_text())
    assert record["status"] == "ok", record["reasons"]
    assert record["messages"] == messages["reqresp"]
    # The seven characters crossed the wire as written; the lookup never ran on the controller.
    assert b"{{ 7*7 }}" in client_payload(run / "p01" / "reqresp.pcap", 2222)
    assert not marker.exists()
    assert not (run / "manifest.json").exists()  # collecting is a part of its own
    playbook("lab.yml", "--tags", "lab_collect", **lab, lab_class_size=1, lab_run_id="exchange-only")
    assert set(statuses(manifest(lab, "exchange-only")).values()) == {"ok"}


def test_a_message_at_the_limit_is_carried_whole_and_one_byte_more_is_refused_first(lab):
    longest = "é" * 32767 + "xy"  # 65536 bytes of UTF-8: the longest message the programs take
    playbook("lab.yml", **lab, lab_class_size=1, lab_run_id="longest", lab_run_scenarios=["upcall"],
             lab_messages={"upcall": [longest, "after it"]})
    run = Path(lab["lab_captures_dir"]) / "longest"
    record = json.loads((run / "p01" / "upcall.json").read_text())
    assert (record["status"], record["answered"]) == ("ok", 2), record["reasons"]
    assert client_payload(run / "p01" / "upcall.pcap", 4141) == (longest + "\nafter it\n").encode()

    result = playbook("lab.yml", check=False, **lab, lab_class_size=1, lab_run_id="too-long",
                      lab_messages={"upcall": [longest + "z"]})
    assert result.returncode != 0
    assert ("Messages of lab_messages: the message 'éééééééééééééééééééééééééééééééééééééééé'... is 65537 bytes; "
            "a message may be at most 65536 bytes (UTF-8).") in " ".join(result.stdout.split())
    assert not (Path(lab["lab_captures_dir"]) / "too-long").exists()


def tshark_rows(pcap, display_filter):
    """Wireshark's own reading of a pcap: the frame numbers `display_filter` selects."""
    rows = subprocess.run(["tshark", "-r", str(pcap), "-Y", display_filter, "-T", "fields",
                          "-e", "frame.number"], capture_output=True, text=True, check=True)
    return [int(n) for n in rows.stdout.split()]


def loss_table_in(container):
    """nft's listing of the lab's loss table in the container's network namespace, or None."""
    pid = DOCKER.containers.get(container).attrs["State"]["Pid"]
    found = subprocess.run(["nsenter", "--target", str(pid), "--net", "--", "nft", "list", "table",
                            "inet", "tcplab_loss"], capture_output=True, text=True)
    return found.stdout if found.returncode == 0 else None


def test_a_loss_scenario_loses_the_second_segment_once_and_the_next_capture_has_no_loss(lab):
    playbook("lab.yml", **lab, lab_class_size=1, lab_run_id="loss",
             lab_run_scenarios="reqresp-loss,reqresp")
    run = Path(lab["lab_captures_dir"]) / "loss"
    assert statuses(manifest(lab, "loss")) == {"p01/reqresp-loss": "ok", "p01/reqresp": "ok"}
    record = json.loads((run / "p01" / "reqresp-loss.json").read_text())
    assert record["answered"] == len(record["messages"]) == 3
    assert record["loss"] == {"direction": "to_server", "segments": [2], "table": "tcplab_loss",
                              "receiver": "tcplab-pytest-p01-server", "dropped": 1}
    assert record["server"]["port"] == 2223
    pcap = run / "p01" / "reqresp-loss.pcap"
    # The bridge saw the 2nd data segment and, once the server's namespace had dropped it, the
    # same bytes again: Wireshark calls the second one a retransmission.
    data = tshark_rows(pcap, "tcp.dstport == 2223 && tcp.len > 0")
    resent = tshark_rows(pcap, "tcp.analysis.retransmission")
    assert len(resent) == 1 and resent[0] == data[2], (data, resent)
    assert client_payload(pcap, 2223) == b"hello\nthis one is lost once\nthis one is lost once\n" \
        b"selamat pagi, server!\n"
    # The report explains it: the 2nd segment lost, sent again after TCP's timeout.
    report = json.loads((run / "report.json").read_text())
    lost, plain = (next(c for c in report["captures"] if c["scenario"] == name)
                   for name in ("reqresp-loss", "reqresp"))
    assert lost["verdict"] == "complete", lost["reasons"]
    [again] = [a for a in lost["anomalies"] if a["kind"] == "retransmission"]
    assert again["packet"] == resent[0] and again["dir"] == "C>S"
    assert "lost" in next(s for s in lost["segments"] if s["no"] == data[1])["notes"]
    assert any("lost on its way" in line for line in lost["phases"]["explanation"])
    # ... and so does the annotated copy a student opens in Wireshark, on both packets.
    comments = subprocess.run(["tshark", "-r", str(run / "p01" / "reqresp-loss.annotated.pcapng"),
                               "-T", "fields", "-e", "frame.number", "-e", "frame.comment"],
                              capture_output=True, text=True, check=True).stdout
    said = dict(line.split("\t", 1) for line in comments.splitlines())
    assert f"lost on its way: no ACK came for it; TCP sends it again in packet {resent[0]}" \
        in said[str(data[1])]
    assert "retransmission" in said[str(resent[0])]
    # The scenario after it ran without the table: no retransmission, nothing left behind.
    assert plain["verdict"] == "complete" and not plain["anomalies"]
    assert tshark_rows(run / "p01" / "reqresp.pcap", "tcp.analysis.retransmission") == []
    assert loss_table_in("tcplab-pytest-p01-server") is None


def test_containers_left_when_their_programs_folder_went_are_made_again(lab):
    """A clean-up that removed the lab's spool (its programs) but not its containers - an
    interrupted make clean - leaves containers mounting a folder that is gone: the next run makes
    them again, and every capture is ok."""
    playbook("lab.yml", **lab, lab_class_size=1, lab_run_id="first",
             lab_run_scenarios="reqresp")
    before = DOCKER.containers.get("tcplab-pytest-p01-server").id
    subprocess.run(["rm", "-rf", "/var/tmp/tcplab/tcplab-pytest/programs"], check=True)
    playbook("lab.yml", **lab, lab_class_size=1, lab_run_id="second",
             lab_run_scenarios="reqresp")
    assert statuses(manifest(lab, "second")) == {"p01/reqresp": "ok"}
    assert DOCKER.containers.get("tcplab-pytest-p01-server").id != before
