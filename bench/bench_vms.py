"""Benchmark: the lab on real VMs booted here, against the same class on Docker (prints figures).

In one run: the VM image built from nothing (a cache folder of the benchmark's own), two VMs
booted together to SSH (KVM where a guest boots here, else software emulation), each VM's memory
(resident set of its QEMU), a 2-pair class on them end to end over SSH (captured on the bridge),
then the same 2-pair class on the local Docker engine (a lab of its own, torn down after). The
VMs are stopped and their bridge, taps and firewall rule removed at the end.

    .venv/bin/python bench/bench_vms.py [--reuse-image]

--reuse-image boots from make vm-lab's cache (.cache/vm/image) instead of building an image.
The seconds are this machine's, under whatever else runs on it: read the VM class against the
Docker class measured in the same run.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from lab_playbook import ansible_playbook  # tests/, on PYTHONPATH (Makefile)

from tcplab.vm import fleet, image

ROOT = Path(__file__).resolve().parent.parent
DOCKER_LAB = {"lab_id": "tcplab-benchvm", "lab_network_pool": "10.217.0.0/16", "lab_class_size": 2}


def rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ok_captures(run):
    manifest = json.loads((run / "manifest.json").read_text())
    return sum(c["status"] == "ok" for c in manifest["captures"]), len(manifest["captures"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse-image", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tcplab-bench-vm-") as tmp:
        tmp = Path(tmp)
        cache = ROOT / ".cache/vm/image" if args.reuse_image else tmp / "image"
        start = time.monotonic()
        built = image.ensure(cache, log=lambda _line: None)
        build = time.monotonic() - start
        folder = tmp / "fleet"
        try:
            state = fleet.up(folder, built, 2, name="tlvmbench", subnet="10.253.0.0/24",
                             log=lambda _line: None)
            memory = [rss_mib(vm["pid"]) for vm in state["vms"]]
            start = time.monotonic()
            vm_run = ansible_playbook("lab.yml", inventory=folder / "inventory",
                                      variables={"lab_run_id": "bench",
                                                 "lab_captures_dir": str(tmp / "vm-captures")})
            vm_seconds = time.monotonic() - start
            memory = [max(a, rss_mib(vm["pid"])) for a, vm in zip(memory, state["vms"])]
        finally:
            fleet.down(folder, log=lambda _line: None)
        start = time.monotonic()
        docker_run = ansible_playbook("lab.yml", variables={
            **DOCKER_LAB, "lab_run_id": "bench", "lab_captures_dir": str(tmp / "docker-captures")})
        docker_seconds = time.monotonic() - start
        ansible_playbook("tcplab.lab.teardown", variables={"lab_id": DOCKER_LAB["lab_id"]})
        vm_ok = ok_captures(tmp / "vm-captures" / "bench")
        docker_ok = ok_captures(tmp / "docker-captures" / "bench")
    print(f"image build:            {'reused' if args.reuse_image else f'{build:.0f} s'}")
    print(f"2 VMs booted to SSH:    {state['boot_seconds']:.0f} s together ({state['accel']})")
    print(f"memory per VM:          {', '.join(f'{m:.0f} MiB' for m in memory)} (QEMU resident set)")
    print(f"2-pair class on VMs:    {vm_seconds:.0f} s, {vm_ok[0]}/{vm_ok[1]} captures ok"
          f"{'' if vm_run.returncode == 0 else ' (ansible-playbook failed)'}")
    print(f"2-pair class on Docker: {docker_seconds:.0f} s, {docker_ok[0]}/{docker_ok[1]} captures ok"
          f"{'' if docker_run.returncode == 0 else ' (ansible-playbook failed)'}")
    print(f"VMs / Docker:           {vm_seconds / docker_seconds:.1f}x")
    return 0 if vm_run.returncode == docker_run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
