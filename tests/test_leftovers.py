"""What a run cut short left running: named without a change in check mode, stopped otherwise
(module_utils/tcpdump.py and supervise.py, as the machine step and make clean call them)."""
import subprocess
import time

from ansible_collections.tcplab.lab.plugins.module_utils import supervise, tcpdump


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
