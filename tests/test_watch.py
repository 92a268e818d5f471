"""make watch: a pair's traffic live from its capture point, read by tshark (a minute)."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from lab_playbook import ROOT, ansible_playbook, make_command

LAB = {"lab_id": "tcplab-watch", "lab_network_pool": "10.225.0.0/16", "lab_class_size": 2}


def watch(*args, env=None):
    """Start `make watch ...` as a teacher would (no display: tshark), in a session of its own."""
    environment = {k: v for k, v in os.environ.items() if k != "DISPLAY" and not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.Popen(make_command("watch", *args), cwd=ROOT, env={**environment, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def wait_listening(process, timeout=30):
    """The lines printed until tcpdump listens."""
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "listening on" in line:
            return lines
    raise AssertionError("tcpdump did not start listening: " + "".join(lines))


def stop(process):
    """Ctrl+C, as the teacher stops it; what it printed."""
    time.sleep(1)
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    return output


@pytest.fixture
def provisioned(tmp_path):
    variables = {**LAB, "lab_captures_dir": str(tmp_path / "captures"), "lab_run_id": "setup"}
    result = ansible_playbook("lab.yml", "--tags", "lab_provision", variables=variables)
    assert result.returncode == 0, result.stdout[-3000:]
    yield variables, tmp_path / "captures" / "setup" / "plan.json"
    ansible_playbook("tcplab.lab.teardown", variables={"lab_id": LAB["lab_id"]})


def test_watching_a_pair_shows_its_conversation_and_nothing_else(provisioned):
    variables, plan = provisioned
    pairs = {p["name"]: p for p in json.loads(plan.read_text())["pairs"]}
    watcher = watch("PAIR=p01", "SCENARIO=reqresp", f"PLAN={plan}")
    header = wait_listening(watcher)
    assert header[0] == f"Watching p01 (2222) on localhost, interface {pairs['p01']['network']['bridge']}; Ctrl+C stops\n"
    result = ansible_playbook("lab.yml", "--tags", "lab_exchange", variables={**variables, "lab_run_id": "watched"})
    assert result.returncode == 0, result.stdout[-3000:]
    packets = [line for line in stop(watcher).splitlines() if " TCP " in line]
    server, client = pairs["p01"]["server"]["address"], pairs["p01"]["client"]["address"]
    assert len(packets) >= 10
    assert all(server in line and client in line and "2222" in line for line in packets), packets
    assert any("[SYN]" in line for line in packets) and any("[FIN, ACK]" in line for line in packets)


def test_watching_a_pair_that_is_not_in_the_plan_is_one_line(provisioned):
    _, plan = provisioned
    process = watch("PAIR=p09", f"PLAN={plan}")
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "error: pair 'p09' is not in the plan of run setup; its pairs: p01, p02" in output.splitlines()
