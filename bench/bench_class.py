"""Benchmark: a whole class on the local Docker engine, end to end (prints figures; not a test).

Runs lab.yml for N pairs (default 40) as a lab of its own (lab id tcplab-bench, pool
10.218.0.0/16, captures in a temporary folder), prints the wall time of each play, the total,
the captures that came out ok and the controller's peak memory, then tears the lab down.

    .venv/bin/python bench/bench_class.py [--pairs 40] [--keep]
"""
import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from lab_playbook import ansible_playbook  # noqa: E402


def playbook(name, variables, extra_env=None):
    return ansible_playbook(name, variables=variables, env=extra_env, timeout=None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the containers and the captures")
    args = parser.parse_args()
    captures = Path(tempfile.mkdtemp(prefix="tcplab-bench-"))
    settings = {"lab_id": "tcplab-bench", "lab_network_pool": "10.218.0.0/16", "lab_class_size": args.pairs,
                "lab_captures_dir": str(captures), "lab_run_id": "bench"}
    start = time.monotonic()
    # profile_roles prints the time spent in each role at the end of the run.
    result = playbook("lab.yml", settings, {"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_roles"})
    total = time.monotonic() - start
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    roles = re.findall(r"^(lab_\w+) -+ ([\d.]+)s$", result.stdout, re.MULTILINE)
    manifest_path = captures / "bench" / "manifest.json"
    captures_ok = 0
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        captures_ok = sum(c["status"] == "ok" for c in manifest["captures"])
    print(f"class of {args.pairs} pairs x 2 scenarios on the local Docker engine")
    for role, seconds in roles:
        print(f"  {role:<16} {float(seconds):8.1f} s")
    print(f"  {'total':<16} {total:8.1f} s   (playbook exit {result.returncode})")
    print(f"captures ok: {captures_ok} of {2 * args.pairs}")
    print(f"largest controller process (ansible-playbook or a fork): {peak_mib:.0f} MiB peak RSS")
    if not args.keep:
        playbook("playbooks/teardown.yml", {"lab_id": settings["lab_id"]})
        subprocess.run(["rm", "-rf", str(captures)], check=False)
    else:
        print(f"captures: {captures / 'bench'}")
    return 0 if captures_ok == 2 * args.pairs else 1


if __name__ == "__main__":
    sys.exit(main())
