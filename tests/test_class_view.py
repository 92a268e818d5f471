"""What a teacher sees of `make lab`: the class view, the whole log in the run folder, V=1 (a minute).

Runs the real `make lab` on the local Docker engine as a lab of its own (lab id, address pool and
captures folder of the test's) and reads what it printed.
"""
import os
import re
import subprocess
from pathlib import Path

import pytest
from lab_playbook import ROOT, make_command, teardown

LAB = "tcplab-view"


@pytest.fixture
def captures(tmp_path):
    yield tmp_path / "captures"
    teardown(variables={"lab_id": LAB})


def make_lab(captures, *args, verbose=False):
    variables = f"-e lab_id={LAB} -e lab_network_pool=10.224.0.0/16 -e lab_captures_dir={captures} " + " ".join(args)
    command = make_command("lab", f"ARGS={variables}", *(["V=1"] if verbose else []))
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("MAKE", "MFLAGS"))}
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900)
    return done.returncode, (done.stdout + done.stderr).splitlines()


def run_folder(lines):
    return Path(next(line for line in lines if line.startswith("Run folder: ")).split(": ", 1)[1])


def test_the_class_view_is_a_few_lines_and_the_whole_log_is_in_the_run_folder(captures):
    status, lines = make_lab(captures, "-e lab_class_size=3")
    assert status == 0, "\n".join(lines)
    text = "\n".join(lines)
    assert re.match(r"Run \d{8}T\d{6}Z: 3 pair\(s\) x reqresp, upcall on localhost$", lines[0])
    for expected in ("machines   1 ready: localhost", "provision  3 of 3 pairs set up on localhost",
                     "exchange   reqresp 3/3 ok, upcall 3/3 ok",
                     "pair  scenario   packets  answered  status"):
        assert expected in lines, text
    assert lines[-2].startswith("Report: ") and lines[-1].startswith("Run folder: ")
    # A line per phase and a row per capture, whatever Ansible did to get there; the image's
    # phase says once that it builds the image (the first run on a fresh Docker engine).
    image = [line for line in lines if line.startswith("image ")]
    assert image in (["image      tcplab/debian-python3:bookworm present on localhost"],
                     ["image      tcplab/debian-python3:bookworm is not on localhost: building it "
                      "offline (a minute, once)",
                      "image      tcplab/debian-python3:bookworm built on localhost"]), text
    assert len(lines) - len(image) <= 11 + 3 * 2, text
    log = (run_folder(lines) / "ansible.log").read_text().splitlines()
    assert sum(line.startswith("TASK [") for line in log) > 20 and len(log) > 4 * len(lines)
    assert "TASK [tcplab.lab.lab_exchange : Run every scenario for every pair of this Docker host, captured]" in log


def test_a_run_that_stops_early_shows_its_error_and_no_older_table(captures):
    assert make_lab(captures, "-e lab_class_size=1")[0] == 0
    status, lines = make_lab(captures, "-e lab_class_size=thirty")
    assert status != 0
    assert "error      lab_class_size 'thirty': give 1 to 250 pairs, or list them in lab_roster." in lines
    assert not any(line.startswith(("pair ", "Run ", "Report:")) for line in lines), lines


def test_v1_shows_ansibles_own_output_and_this_runs_summary(captures):
    status, lines = make_lab(captures, "-e lab_class_size=1", verbose=True)
    assert status == 0
    assert any(line.startswith("PLAY RECAP") for line in lines)
    assert any("Run folder: " in line for line in lines)
    assert any("TASK [tcplab.lab.lab_exchange : Run every scenario" in line for line in lines)


def containers_of_the_lab():
    found = subprocess.run(["docker", "ps", "-a", "--filter", f"label=org.tcplab.lab={LAB}",
                            "--format", "{{.Names}}"], capture_output=True, text=True, check=True)
    return sorted(found.stdout.split())


def test_check_mode_changes_and_writes_nothing_and_says_what_a_run_would_do(captures):
    status, lines = make_lab(captures, "-e lab_class_size=2", "--check", "--diff")
    assert status == 0, "\n".join(lines)
    assert not captures.exists() and containers_of_the_lab() == []
    assert re.match(r"Run folder: .* \(check mode: not made\)$", lines[1]), lines
    assert "provision  would make 4 container(s), make 2 network(s) on localhost" in lines, lines
    assert lines[-1] == ("Check mode: nothing was changed or written. A run would take 4 "
                         "capture(s): p01/reqresp, p02/reqresp, p01/upcall, p02/upcall."), lines
    # After a real run, --check finds the class as planned; a container gone is named.
    assert make_lab(captures, "-e lab_class_size=2")[0] == 0
    runs = sorted(captures.iterdir())
    subprocess.run(["docker", "rm", "-f", f"{LAB}-p02-client"], capture_output=True, check=True)
    status, lines = make_lab(captures, "-e lab_class_size=2", "--check")
    assert status == 0, "\n".join(lines)
    assert "provision  would make 1 container(s) on localhost" in lines, lines
    assert sorted(captures.iterdir()) == runs and f"{LAB}-p02-client" not in containers_of_the_lab()
