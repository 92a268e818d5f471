"""Benchmark: grading a whole class's hand-ins, against tshark reading the same files.

Builds the course platform's download for a class (default 40 pairs, two students each, one of
whom hands in): pcapng files holding, besides the lab's exchange, thousands of packets of a
laptop's other traffic (`tcplab.craft.noise`: a TLS download, DNS, QUIC over IPv4 and IPv6, ICMP,
IPsec, IPv6 options); some with both scenarios in one file, some gzipped, some with a segment
lost and sent again, some with bytes missing. Then prints:

- the whole class graded the way a teacher does it (``tcplab grade ZIP``): wall
  time and the grader's peak memory; target: 40 pairs in at most 30 s;
- per capture, the ratio of the grader's own reading of the file (read, conversations, every
  attempt analysed) to ``tshark -r FILE -q -z conv,tcp`` on the same file, in the same run, in
  processor seconds; target: every ratio at most 1.0;
- scaling: a capture of N packets against one of 4N (other traffic; holes; exchanges in one
  connection), each read by a process of its own (as grading reads each file once), the best
  of five interleaved runs in processor seconds; target: 4x the packets costs at most 4.5x the
  time. The same files read again and again in one process are printed beside it: there a warm
  heap favours the smaller file (`fresh_reading`). On a shared machine processor time still
  moves with what the other programs do to the caches, so the same is also counted in
  instructions (valgrind's callgrind), which the machine's load does not change.

    python bench/bench_grade.py [--pairs 40] [--packets 3000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from tcplab.planning import build_plan

from tcplab import craft
from tcplab.craft import C, S, Flow
from tcplab.grading.whose import MessageOwners
from tcplab.grading.attempts import examine
from tcplab.grading.intake import HandIn
from tcplab.formats.manifest import ANNOTATED
from tcplab.analysis.capture import gc_paused

CLASS_SECONDS = 30.0
TSHARK_RATIO = 1.0
SCALING = 4.5


def class_plan(pairs: int, captures: Path) -> dict:
    roster = [{"name": f"p{n:02d}", "students": [f"Mahasiswa {n} A", f"Mahasiswa {n} B"]}
              for n in range(1, pairs + 1)]
    scenarios = {"reqresp": {"port": 2222, "server": "reqresp/server.py",
                             "client": "reqresp/client.py", "reply_format": "{message}",
                             "handin": "tcp", "messages": ["hello"]},
                 "upcall": {"port": 4141, "server": "upcall/server.py",
                            "client": "upcall/client.py",
                            "reply_format": "Upcall event: Processing {message}",
                            "handin": "upcall", "messages": ["1"]}}
    settings = {"lab_id": "tcplab", "lab_run_id": "20261128T080000Z", "lab_class_size": 0,
                "lab_roster": roster, "lab_run_scenarios": ["reqresp", "upcall"],
                "lab_scenarios": scenarios, "lab_messages": {}, "lab_messages_seed": "bench",
                "lab_messages_count": 3, "lab_captures_dir": str(captures),
                "lab_programs_dir": str(ROOT / "collections/ansible_collections/tcplab/lab/roles/lab_plan/files"), "lab_docker_host": "localhost",
                "lab_image_name": "img", "lab_network_pool": "10.213.0.0/16",
                "lab_network_prefix": 24, "lab_bridge_prefix": "", "lab_capture_point": "bridge",
                "lab_capture_host": "", "lab_capture_interface": "", "lab_remote_dir": "/opt",
                "lab_spool": "/var/tmp/tcplab", "report_languages": ["en", "id"]}
    return build_plan(settings, {"hosts": {"localhost": {"ansible_connection": "local"}}})


def exchange(pair: dict, scenario: str, spec: dict, start: float, port: int,
             damage: str | None) -> list[craft.Frame]:
    """The pair's exchange as the lab programs make it; `damage`: "lost" (a segment lost and
    sent again), "hole" (bytes never captured)."""
    flow = craft.lab_flow(pair["messages"][scenario], spec["reply_format"],
                          client=("192.168.1.23", port), server=("192.168.1.50", spec["port"]),
                          start=start)
    frames = flow.frames
    if damage == "lost":  # the first message sent again after 200 ms, as after a timeout
        first = frames[3]
        frames.insert(4, craft.Frame(first.time + 0.2, C, first.ip))
    elif damage == "hole":  # the second message's segment never reached the capture
        del frames[7]
    return frames


def write_pcapng(path: Path, frames: list[craft.Frame]) -> bytes:
    return craft.write_pcapng(path, sorted(frames, key=lambda f: f.time)).read_bytes()


def class_zip(plan: dict, folder: Path, packets: int) -> Path:
    """The platform's download: a folder per submitting student."""
    archive = folder / "kelas.zip"
    scratch = folder / "scratch"
    scratch.mkdir()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for index, pair in enumerate(plan["pairs"]):
            student = f"{pair['students'][0]['name']}_{200000 + index}_assignsubmission_file/"
            start = 1763745781.0 + index * 100
            damage = {3: "lost", 5: "hole"}.get(index % 7)
            files: dict[str, list[craft.Frame]] = {}
            noise = craft.noise(packets, start, seed=index)
            parts = [exchange(pair, name, spec, start + 1 + i, 40000 + i, damage)
                     for i, (name, spec) in enumerate(plan["scenarios"].items())]
            if index % 4 == 0:
                files["kedua.pcapng"] = noise + parts[0] + parts[1]
            else:
                files["tcp.pcapng"] = noise + parts[0]
                files["upcall.pcapng"] = craft.noise(packets, start + 50, seed=1000 + index) \
                    + parts[1]
            for name, frames in files.items():
                data = write_pcapng(scratch / name, frames)
                if index % 5 == 0:
                    name, data = name + ".gz", gzip.compress(data, compresslevel=1)
                out.writestr(student + name, data)
    return archive


def grade_class(archive: Path, plan_path: Path, out: Path) -> tuple[float, int]:
    """Wall seconds and peak resident KiB of ``tcplab grade`` on the download."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "tcplab", "grade", str(archive), "--plan",
                                str(plan_path), "--out", str(out)], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.stdout.read()  # type: ignore[union-attr]
    errors = process.stderr.read().decode()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"grading failed: {errors[-2000:]}")
    return seconds, usage.ru_maxrss


def our_reading(path: Path, plan: dict, owners: MessageOwners) -> float:
    """Processor seconds the grader spends on one file: read, conversations, each attempt
    analysed. (Processor time, not wall time: the machine is shared, and what another program
    does while we wait is not our cost.)"""
    started = time.process_time()
    with gc_paused():  # as grading reads each file
        examine(HandIn(path.name, path.name, (), path), plan, owners)
    return time.process_time() - started


def tshark_reading(path: Path) -> float:
    """Processor seconds of ``tshark -r FILE -q -z conv,tcp`` (its own and its children's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["tshark", "-r", str(path), "-q", "-z", "conv,tcp"], check=True,
                   capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def instructions(path: Path | None, plan_path: Path) -> int | None:
    """Instructions the processor runs for the grader's reading of `path` (None: just the start),
    counted by valgrind's callgrind: the same for the same input, whatever else the machine does.
    None when valgrind is not installed."""
    if shutil.which("valgrind") is None:
        return None
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         __file__, "--read-one", str(plan_path), *([str(path)] if path else [])],
        capture_output=True, text=True, check=True, cwd=ROOT)
    match = re.search(r"Collected : (\d+)", done.stderr)
    return int(match.group(1)) if match else None


def scaling_cases(folder: Path, packets: int) -> dict[str, tuple[Path, Path]]:
    """Captures of N and 4N packets: other traffic; one-byte holes; exchanges in one connection."""
    def traffic(n: int) -> list[craft.Frame]:
        lab = craft.lab_flow(["hello"], "{message}", client=("192.168.1.23", 40000),
                             server=("192.168.1.50", 2222), start=1763745790.0).frames
        return craft.noise(n, 1763745781.0, seed=n) + lab

    def holes(n: int) -> list[craft.Frame]:
        flow = Flow(server=("10.213.1.2", 2222))
        flow.handshake()
        base = flow.next_seq[C]
        for i in range(n // 2):
            flow.packet(C, "PA", b"x", seq=base + 2 * i, ack=flow.acked[C])
        flow.next_seq[C] = flow.acked[S] = base + n
        flow.ack(S)
        flow.close()
        return flow.frames

    def exchanges(n: int) -> list[craft.Frame]:
        return craft.lab_flow([f"pesan {i}" for i in range(n // 4)], "{message}",
                              client=("10.213.1.3", 40000), server=("10.213.1.2", 2222),
                              start=1763745781.0).frames

    cases = {}
    for name, make in (("other traffic", traffic), ("one-byte holes", holes),
                       ("exchanges in one connection", exchanges)):
        small, large = (craft.write_pcapng(folder / f"{name.split()[0]}-{n}.pcapng",
                                           sorted(make(n), key=lambda f: f.time))
                        for n in (packets, 4 * packets))
        cases[name] = (small, large)
    return cases


def read_one(plan_path: Path, path: Path | None) -> int:
    """The grader's reading of one file, alone (what `instructions` counts and `fresh_reading`
    times): prints its processor seconds."""
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    if path is not None:
        print(our_reading(path, plan, MessageOwners.of(plan)))
    return 0


def fresh_reading(path: Path, plan_path: Path) -> float:
    """Processor seconds of the grader's reading of `path` in a process of its own, which has
    read nothing before: as grading reads each file once. (Read again in one process, a file
    finds the heap as its last reading left it: glibc gives a buffer below its 32 MiB mmap
    threshold the pages it had already touched, and maps one above it afresh each time, so a
    warm heap favours the smaller capture.)"""
    done = subprocess.run([sys.executable, __file__, "--read-one", str(plan_path), str(path)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return float(done.stdout.split()[-1])


def main() -> int:
    if sys.argv[1:2] == ["--read-one"]:
        return read_one(Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--packets", type=int, default=3000,
                        help="packets of other traffic in each capture")
    parser.add_argument("--keep", type=Path, help="build and grade here, and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        plan = class_plan(args.pairs, folder / "captures")
        plan_path = folder / "plan.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        built = time.perf_counter()
        archive = class_zip(plan, folder, args.packets)
        print(f"class: {args.pairs} pairs, {archive.stat().st_size / 2**20:.1f} MiB zip "
              f"(built in {time.perf_counter() - built:.0f} s)")
        out = folder / "graded"
        seconds, peak = grade_class(archive, plan_path, out)
        verdicts = (out / "summary.txt").read_text(encoding="utf-8").splitlines()[0]
        print(f"whole class graded: {seconds:.1f} s, peak memory {peak / 1024:.0f} MiB; "
              f"target <= {CLASS_SECONDS:.0f} s: {'met' if seconds <= CLASS_SECONDS else 'MISSED'}")
        print(f"  {verdicts}")
        owners = MessageOwners.of(plan)
        ratios = []
        files = sorted(p for p in (out / "handins").rglob("*")
                       if p.is_file() and not p.name.endswith(ANNOTATED))
        for path in files:
            ratios.append((our_reading(path, plan, owners) / tshark_reading(path), path))
        worst = max(ratios)
        print(f"per capture, ours / tshark -q -z conv,tcp over {len(ratios)} files: min "
              f"{min(ratios)[0]:.2f}, median {statistics.median(r for r, _ in ratios):.2f}, "
              f"max {worst[0]:.2f} ({worst[1].name}); target <= {TSHARK_RATIO:.1f}: "
              f"{'met' if worst[0] <= TSHARK_RATIO else 'MISSED'}")
        for name, (small, large) in scaling_cases(folder, args.packets * 4).items():
            runs: dict[Path, list[float]] = {small: [], large: []}
            warm: dict[Path, list[float]] = {small: [], large: []}
            for _ in range(5):  # interleaved, the best of five: the machine is shared
                for path in (small, large):
                    runs[path].append(fresh_reading(path, plan_path))
                    warm[path].append(our_reading(path, plan, owners))
            times = [min(runs[small]), min(runs[large])]
            growth = times[1] / times[0]
            warm_growth = min(warm[large]) / min(warm[small])
            tshark = tshark_reading(large)
            print(f"scaling, {name}: {args.packets * 4} -> {args.packets * 16} packets: "
                  f"{times[0]:.2f} s -> {times[1]:.2f} s = {growth:.2f}x (read again in one "
                  f"process: {warm_growth:.2f}x; tshark on the larger: {tshark:.2f} s, ratio "
                  f"{times[1] / tshark:.2f}); target <= {SCALING}x: "
                  f"{'met' if growth <= SCALING else 'MISSED'}")
        base = instructions(None, plan_path)
        if base is None:
            print("instructions: valgrind is not installed (apt-get install valgrind)")
        else:
            (folder / "counted").mkdir()
            for name, (small, large) in scaling_cases(folder / "counted", 2000).items():
                counts = [instructions(path, plan_path) - base for path in (small, large)]
                growth = counts[1] / counts[0]
                print(f"scaling in instructions (callgrind), {name}: 2000 -> 8000 packets: "
                      f"{counts[0] / 1e6:.0f}M -> {counts[1] / 1e6:.0f}M = {growth:.2f}x; "
                      f"target <= {SCALING}x: {'met' if growth <= SCALING else 'MISSED'}")
    print(f"(this machine: {os.cpu_count()} processors, load {os.getloadavg()[0]:.1f}; peak "
          f"memory of this benchmark {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}"
          " MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
