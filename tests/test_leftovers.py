"""What a run cut short left running: named without a change in check mode, stopped otherwise
(module_utils/tcpdump.py and supervise.py, as the machine step and make clean call them)."""
import json
import subprocess
import threading
import time

from ansible_collections.tcplab.lab.plugins.module_utils import lock, supervise, tcpdump
from ansible_collections.tcplab.lab.plugins.modules import machine


def test_check_mode_names_the_leftover_capture_and_a_run_stops_it(tmp_path):
    folder = tmp_path / "tcplab"
    (folder / "r1" / "p01").mkdir(parents=True)
    capture = subprocess.Popen(["tcpdump", "-i", "lo", "-w", str(tmp_path / "x.pcap"), "port", "9"],
                               stderr=subprocess.DEVNULL)
    foreign = subprocess.Popen(["sleep", "60"])
    try:
        time.sleep(0.5)
        (folder / "r1" / "p01" / "reqresp.tcpdump.pid").write_text(f"{capture.pid}\n")
        (folder / "r1" / "p01" / "upcall.tcpdump.pid").write_text(f"{foreign.pid}\n")  # not tcpdump
        stem = str(folder / "r1" / "p01" / "reqresp")
        assert tcpdump.stop_leftovers(str(folder), dry_run=True) == [stem]
        assert supervise.stop_leftovers(str(folder), "/opt/tcplab", dry_run=True) == []
        assert capture.poll() is None and (folder / "r1" / "p01" / "reqresp.tcpdump.pid").exists()
        assert tcpdump.stop_leftovers(str(folder)) == [stem]
        assert capture.wait(timeout=10) is not None and foreign.poll() is None
        assert list((folder / "r1" / "p01").iterdir()) == []
    finally:
        for process in (capture, foreign):
            process.kill()
            process.wait()


def test_cleaners_of_one_machine_at_once_each_finish_without_an_error(tmp_path):
    """make clean runs the machine step for the controller and for every lab host: when a lab host
    is the controller itself, two cleaners remove the same spool at once (a CI failure: one
    cleaner's rmtree met a file the other had just removed). Four cleaners race on a spool of
    2,000 files and every one of them ends without an error."""
    spool = tmp_path / "spool"
    for pair in range(40):
        folder = spool / "lab1" / "r1" / f"p{pair:02d}"
        folder.mkdir(parents=True)
        for n in range(25):
            (folder / f"s{n}.tcpdump.pid").write_text("0\n")
            (folder / f"s{n}.server.pid").write_text("0\n")
    (spool / lock.LOCK).write_text(json.dumps({"lab_id": "lab1", "run_id": "r1", "controller": "c", "pid": 1}))
    (spool / "lab2").mkdir()  # another lab's spool stays
    start, errors, changes = threading.Barrier(4), [], []

    def clean():
        start.wait()
        try:
            changes.append(machine.clean(str(spool), "lab1", "/opt/tcplab")[1])
        except Exception as error:  # noqa: BLE001 - the test reports what a cleaner raised
            errors.append(repr(error))

    cleaners = [threading.Thread(target=clean) for _ in range(4)]
    for cleaner in cleaners:
        cleaner.start()
    for cleaner in cleaners:
        cleaner.join()
    assert errors == []
    assert sorted(p.name for p in spool.iterdir()) == ["lab2"]
    assert True in changes
