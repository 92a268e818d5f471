"""Benchmark: whole classes on the local Docker engine, against a bare docker-CLI script (prints figures).

For each class size (default 8, 16, 32 and 64 pairs x 2 scenarios), cold (no containers yet):
  - the lab: `ansible-playbook lab.yml` as a lab of its own (lab id tcplab-bench, pool
    10.218.0.0/16, captures in a temporary folder), then torn down;
  - the reference: bench/bare_class.sh doing the same work with the docker CLI, then removed.
Then a 2-pair class whose containers are already up (a new run), and a re-run of that run with
nothing left to do. Prints each wall time, the lab/script ratio, the captures that came out ok,
the largest controller process's peak memory, and the targets of issue 7.

    .venv/bin/python bench/bench_class.py [--sizes 8 16 32 64] [--keep]

A figure on a shared machine means something only as a ratio against the reference measured in the
same run; the absolute seconds are for orientation.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lab_playbook import ansible_playbook, playbook_command  # tests/, on PYTHONPATH (Makefile)

ROOT = Path(__file__).resolve().parent.parent

LAB = {"lab_id": "tcplab-bench", "lab_network_pool": "10.218.0.0/16"}
# Runs a command and reports the peak memory of the largest process under it (KiB, the last line).
WRAPPER = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)")


def measured(argv, env=None):
    """(seconds, completed process, peak MiB of the largest process it ran) of one command."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", WRAPPER, *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)
    seconds = time.monotonic() - start
    lines = done.stdout.rstrip().splitlines()
    peak = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else 0.0
    return seconds, done, peak


def lab(captures, size, run_id):
    variables = {**LAB, "lab_class_size": size, "lab_captures_dir": str(captures), "lab_run_id": run_id}
    return measured(*playbook_command("lab.yml", variables=variables))


def lab_ok(captures, run_id):
    path = captures / run_id / "manifest.json"
    if not path.exists():
        return 0
    return sum(c["status"] == "ok" for c in json.loads(path.read_text())["captures"])


def teardown():
    ansible_playbook("tcplab.lab.teardown", variables={"lab_id": LAB["lab_id"]}, timeout=None)


def remove_bare():
    for kind, listing, remove in (("container", ["docker", "ps", "-aq"], ["docker", "rm", "-f"]),
                                  ("network", ["docker", "network", "ls", "-q"], ["docker", "network", "rm"])):
        ids = subprocess.run(listing + ["--filter", "label=org.tcplab.lab=tcplab-bare"], capture_output=True,
                             text=True, check=True).stdout.split()
        if ids:
            subprocess.run(remove + ids, capture_output=True, check=False)


def bare(out, size):
    return measured(["bash", str(ROOT / "bench" / "bare_class.sh"), str(size), str(out)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--keep", action="store_true", help="keep the last class and the captures")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tcplab-bench-"))
    rows = []
    teardown()
    remove_bare()
    for size in args.sizes:
        seconds, _, peak = lab(work / "lab", size, f"cold-{size}")
        ok = lab_ok(work / "lab", f"cold-{size}")
        teardown()
        script_seconds, _, _ = bare(work / f"bare-{size}", size)
        script_ok = len(list((work / f"bare-{size}").glob("*/*.ok")))
        remove_bare()
        rows.append((size, seconds, script_seconds, ok, script_ok, peak))
        print(f"  {size:3d} pairs: lab {seconds:6.1f} s ({ok}/{2 * size} ok), script {script_seconds:6.1f} s "
              f"({script_ok}/{2 * size} ok)", flush=True)

    lab(work / "lab", 2, "warm-up")
    warm, _, warm_peak = lab(work / "lab", 2, "warm")
    warm_ok = lab_ok(work / "lab", "warm")
    nothing, rerun, _ = lab(work / "lab", 2, "warm")
    unchanged = rerun.returncode == 0 and "changed=0" in rerun.stdout.split("PLAY RECAP")[-1]
    if not args.keep:
        teardown()

    print()
    print("class of N pairs x 2 scenarios, cold (no containers), on the local Docker engine")
    print(f"{'pairs':>5}  {'lab s':>7}  {'script s':>8}  {'ratio':>5}  {'lab ok':>8}  {'script ok':>9}  {'peak MiB':>8}")
    for size, seconds, script_seconds, ok, script_ok, peak in rows:
        peak_text = f"{peak:8.0f}"
        print(f"{size:5d}  {seconds:7.1f}  {script_seconds:8.1f}  {seconds / script_seconds:5.2f}  "
              f"{ok:4d}/{2 * size:<3d}  {script_ok:5d}/{2 * size:<3d}  {peak_text}")
    print(f"2 pairs, containers up: {warm:.1f} s ({warm_ok}/4 ok, peak {warm_peak:.0f} MiB)")
    print(f"re-run with nothing to do: {nothing:.1f} s ({'changed=0' if unchanged else 'CHANGED something'})")

    print()
    print("targets (issue 7)")
    by_size = {row[0]: row for row in rows}
    verdicts = []
    if 32 in by_size:
        _, seconds, script_seconds, ok, _, _ = by_size[32]
        verdicts.append((f"32 pairs cold <= 60 s and <= 1.5x the script: {seconds:.1f} s, "
                         f"{seconds / script_seconds:.2f}x", seconds <= 60 and seconds <= 1.5 * script_seconds))
    verdicts.append((f"2 pairs with containers up <= 10 s: {warm:.1f} s", warm <= 10))
    verdicts.append((f"re-run with nothing to do <= 8 s: {nothing:.1f} s", nothing <= 8 and unchanged))
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        per_pair = (large[1] - small[1]) / (large[0] - small[0])
        verdicts.append((f"each extra pair <= 1 s: {per_pair:.2f} s ({small[0]} -> {large[0]} pairs)", per_pair <= 1))
    if 64 in by_size:
        verdicts.append((f"64 pairs: {by_size[64][3]} of 128 captures ok", by_size[64][3] == 128))
    for text, met in verdicts:
        print(f"  {'met    ' if met else 'NOT MET'}  {text}")
    if args.keep:
        print(f"captures: {work}")
    else:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    return 0 if all(met for _, met in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
