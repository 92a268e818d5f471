"""Boot a few lab VMs on this machine, write their inventory, and stop exactly them again.

A fleet lives in one folder: `state.json` (what was made: the bridge, its taps, each VM's pid,
SSH port and lab address, the firewall rule if one was added), each VM's console log, and
`inventory/`, an Ansible inventory like inventory/ssh-example with the VMs in lab_machines and this
machine as the hypervisor that owns the bridge. `down` reads state.json and undoes exactly that.

The network is a hypervisor's: the VMs' lab NICs are taps in a Linux bridge with an address of
the host's (10.251.0.1/24 by default), the VMs at .11, .12, ...; their management NICs are QEMU
user networks restricted to the host (no way out: no package mirror, as on many lab networks),
SSH forwarded from 127.0.0.1. Docker's FORWARD policy is DROP and, with bridge-nf-call-iptables,
bridged frames pass it: the fleet adds one accept rule for its own bridge and removes it on down.
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from .image import USER, Image

BOOT_SECONDS = 240  # software emulation on a loaded 2-core machine; KVM takes a few seconds
MEMORY_MB = 512


class FleetError(Exception):
    """The fleet cannot be made or found; the message says why, one line."""


def up(folder: Path, image: Image, count: int, *, name: str = "tcplabvm",
       subnet: str = "10.251.0.0/24", memory: int = MEMORY_MB, log=print) -> dict:
    """Boot `count` VMs, wait for their SSH, write state.json and the inventory; the state."""
    if os.geteuid() != 0:
        raise FleetError("booting VMs makes a bridge and taps: run as root (sudo make vm-lab)")
    if not 1 <= count <= 40:
        raise FleetError(f"{count} VMs: give 1 to 40")
    if len(name) > 10 or not name.replace("-", "").isalnum():
        raise FleetError(f"name {name!r}: at most 10 letters, digits or dashes (interface names)")
    if (folder / "state.json").exists():
        return _running(folder, count, log)
    network = ipaddress.ip_network(subnet)
    hosts = list(network.hosts())
    if len(hosts) < 11 + count:
        raise FleetError(f"subnet {subnet} is too small for {count} VMs")
    folder.mkdir(parents=True, exist_ok=True)
    state = {"name": name, "bridge": f"{name}-br", "subnet": subnet,
             "host_address": f"{hosts[0]}/{network.prefixlen}", "rule": None, "vms": [],
             "accel": None}
    _save(folder, state)  # from here on, down undoes whatever was made
    _ip("link", "add", state["bridge"], "type", "bridge")
    _ip("addr", "add", state["host_address"], "dev", state["bridge"])
    _ip("link", "set", state["bridge"], "up")
    state["rule"] = _allow_forwarding(state["bridge"], name)
    _save(folder, state)
    for index in range(1, count + 1):
        vm = {"name": f"vm{index:02d}", "tap": f"{name}-t{index}", "pid": None,
              "ssh_port": _free_port(), "lab_address": str(hosts[9 + index]),
              "mac": f"52:54:00:fb:{index // 256:02x}:{index % 256:02x}"}
        _ip("tuntap", "add", "dev", vm["tap"], "mode", "tap")
        _ip("link", "set", vm["tap"], "master", state["bridge"], "up")
        state["vms"].append(vm)
    _save(folder, state)
    state["accel"] = _accelerator(folder, image, state, memory)
    started = time.monotonic()
    for vm in state["vms"]:
        if vm["pid"] is None:
            vm["pid"] = _boot(folder, image, state, vm, state["accel"], memory)
    _save(folder, state)
    for vm in state["vms"]:
        _wait_for_ssh(folder, vm, started + BOOT_SECONDS)
    state["boot_seconds"] = round(time.monotonic() - started, 1)
    _save(folder, state)
    write_inventory(folder, image, state)
    log(f"{count} VM(s) up in {state['boot_seconds']} s ({state['accel']}), lab NICs on bridge "
        f"{state['bridge']} ({state['host_address']}); inventory: {folder / 'inventory'}")
    return state


def _running(folder: Path, count: int, log) -> dict:
    """The fleet already in `folder`, when it is whole and of the size asked for."""
    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    alive = [vm for vm in state["vms"] if vm.get("pid") and _is_ours(vm["pid"], state["name"],
                                                                         vm["name"])]
    if len(alive) != len(state["vms"]) or len(alive) != count:
        raise FleetError(f"{folder} holds {len(alive)} running VM(s) of {len(state['vms'])}, "
                         f"{count} asked for: stop them first (make vm-clean, or tcplab vm down "
                         f"--folder {folder})")
    log(f"{count} VM(s) already up; inventory: {folder / 'inventory'}")
    return state


def down(folder: Path, log=print) -> bool:
    """Stop the fleet in `folder` (its VMs by pid), remove its taps, bridge and rule."""
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        log(f"no VMs in {folder} (no state.json): nothing to stop")
        return False
    except ValueError as error:
        raise FleetError(f"{folder / 'state.json'}: not the fleet's state ({error})") from None
    stopped = 0
    for vm in state.get("vms", []):
        if vm.get("pid") and _is_ours(vm["pid"], state["name"], vm["name"]):
            os.kill(vm["pid"], signal.SIGTERM)
            _wait_gone(vm["pid"])
            stopped += 1
        _ip("link", "del", vm["tap"], check=False)
    _ip("link", "del", state["bridge"], check=False)
    if state.get("rule"):
        subprocess.run(["iptables", "-D", *state["rule"]], capture_output=True)
    (folder / "state.json").unlink()
    log(f"stopped {stopped} VM(s); removed bridge {state['bridge']}, its taps"
        f"{' and its firewall rule' if state.get('rule') else ''}")
    return True


def write_inventory(folder: Path, image: Image, state: dict) -> Path:
    """inventory/: hosts.yml (the VMs, the hypervisor) and group_vars/all/class.yml (pairs)."""
    inventory = folder / "inventory"
    (inventory / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    (inventory / ".known_hosts").unlink(missing_ok=True)  # a new fleet has new ports
    machines = {vm["name"]: {"ansible_host": "127.0.0.1", "ansible_port": vm["ssh_port"],
                             "lab_address": vm["lab_address"]} for vm in state["vms"]}
    hosts = {"all": {"children": {
        "lab_machines": {"hosts": machines},
        "hypervisors": {"hosts": {"hypervisor": {
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}}}
    _write_yaml(inventory / "hosts.yml", hosts,
                "The VMs of `make vm-lab` (tcplab vm up): made anew each time, edit class.yml.")
    # In group_vars/, not in hosts.yml: there they would lose to inventory/common's group_vars/all.
    (inventory / "group_vars" / "lab_machines").mkdir(exist_ok=True)
    _write_yaml(inventory / "group_vars" / "lab_machines" / "ssh.yml",
                {"ansible_connection": "ansible.builtin.ssh", "ansible_user": USER,
                 "ansible_ssh_private_key_file": str(image.key.resolve()), "lab_become": True},
                f"The VMs' login: the normal user {USER}, with passwordless sudo.")
    names = [vm["name"] for vm in state["vms"]]
    roster = [{"name": f"p{index + 1:02d}", "server": names[index],
               "client": names[(index + 1) % len(names)]} for index in range(len(names))]
    for pair in roster:
        if pair["server"] != pair["client"]:  # one VM alone: its pair is captured on loopback
            pair["capture"] = "bridge"
    _write_yaml(inventory / "group_vars" / "all" / "class.yml",
                {"lab_id": state["name"], "lab_capture_host": "hypervisor", "lab_roster": roster},
                "Each pair's server and client VM; captured on the hypervisor's bridge.")
    return inventory


def _write_yaml(path: Path, data: dict, comment: str) -> None:
    # JSON is YAML: no dependency, no template, user text stays data.
    path.write_text(f"# {comment}\n{json.dumps(data, indent=2)}\n", encoding="utf-8")


def _save(folder: Path, state: dict) -> None:
    temporary = folder / "state.json.tmp"
    temporary.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    temporary.replace(folder / "state.json")


def _ip(*args: str, check: bool = True) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise FleetError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def _allow_forwarding(bridge: str, name: str) -> list[str] | None:
    """Accept the bridge's own traffic where the host's firewall would drop bridged frames."""
    try:
        if Path("/proc/sys/net/bridge/bridge-nf-call-iptables").read_text().strip() != "1":
            return None
    except OSError:
        return None  # br_netfilter not loaded: bridged frames never meet iptables
    chain = "DOCKER-USER" if subprocess.run(["iptables", "-n", "-L", "DOCKER-USER"],
                                            capture_output=True).returncode == 0 else "FORWARD"
    rule = [chain, "-i", bridge, "-o", bridge, "-m", "comment", "--comment", f"tcplab vm {name}",
            "-j", "ACCEPT"]
    done = subprocess.run(["iptables", "-I", *rule], capture_output=True, text=True)
    if done.returncode != 0:
        raise FleetError(f"iptables -I {' '.join(rule)}: {done.stderr.strip()}")
    return rule


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _qemu(folder: Path, image: Image, state: dict, vm: dict, accel: str, memory: int) -> list[str]:
    prefix = ipaddress.ip_network(state["subnet"]).netmask
    cpu = ["-accel", "kvm", "-cpu", "host"] if accel == "kvm" else \
        ["-accel", "tcg,tb-size=128", "-cpu", "max"]
    return ["qemu-system-x86_64", "-name", f"tcplab:{state['name']}:{vm['name']}", *cpu,
            "-smp", "1", "-m", str(memory), "-kernel", str(image.kernel),
            "-initrd", str(image.initrd),
            "-append", f"root=LABEL=debvm rw console=ttyS0 quiet "
                       f"ip={vm['lab_address']}:::{prefix}:{vm['name']}:ens4:off",
            "-drive", f"file={image.disk},format=raw,if=virtio", "-snapshot",
            "-netdev", f"user,id=mgmt,restrict=on,hostfwd=tcp:127.0.0.1:{vm['ssh_port']}-:22",
            "-device", "virtio-net-pci,netdev=mgmt,addr=3",
            "-netdev", f"tap,id=lab,ifname={vm['tap']},script=no,downscript=no",
            "-device", f"virtio-net-pci,netdev=lab,mac={vm['mac']},addr=4",
            "-display", "none", "-serial", f"file:{folder / (vm['name'] + '.console')}",
            "-pidfile", str(folder / f"{vm['name']}.pid"), "-daemonize"]


def _boot(folder: Path, image: Image, state: dict, vm: dict, accel: str, memory: int) -> int:
    done = subprocess.run(_qemu(folder, image, state, vm, accel, memory), capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise FleetError(f"{vm['name']}: qemu-system-x86_64 failed: {done.stderr.strip()[:300]}")
    return int((folder / f"{vm['name']}.pid").read_text().strip())


def _accelerator(folder: Path, image: Image, state: dict, memory: int) -> str:
    """kvm when /dev/kvm runs this guest (the first VM boots under it), else tcg. The answer is
    kept beside the image, per host kernel: trying costs up to 30 s where KVM hangs."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg"
    known = image.folder / f"accel-{os.uname().release}"
    if known.is_file():
        return known.read_text().strip()
    accel = _try_kvm(folder, image, state, memory)
    known.write_text(accel + "\n")
    return accel


def _try_kvm(folder: Path, image: Image, state: dict, memory: int) -> str:
    vm = state["vms"][0]
    try:
        vm["pid"] = _boot(folder, image, state, vm, "kvm", memory)
    except FleetError:
        return "tcg"
    try:
        _wait_for_ssh(folder, vm, time.monotonic() + 30)
        return "kvm"
    except FleetError:  # nested or paravirtual KVM that cannot run a stock kernel
        if _is_ours(vm["pid"], state["name"], vm["name"]):
            os.kill(vm["pid"], signal.SIGKILL)
            _wait_gone(vm["pid"])
        vm["pid"] = None
        return "tcg"


def _wait_for_ssh(folder: Path, vm: dict, deadline: float) -> None:
    """Until sshd answers with its banner: QEMU's forward accepts before sshd is up."""
    while time.monotonic() < deadline:
        if vm["pid"] and not Path(f"/proc/{vm['pid']}").exists():
            break
        try:
            with socket.create_connection(("127.0.0.1", vm["ssh_port"]), timeout=3) as sock:
                sock.settimeout(5)
                if sock.recv(4) == b"SSH-":
                    return
        except OSError:
            pass
        time.sleep(1)
    raise FleetError(f"{vm['name']}: no SSH on 127.0.0.1:{vm['ssh_port']} after booting; its "
                     f"console: {folder / (vm['name'] + '.console')}")


def _is_ours(pid: int, name: str, vm: str) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"tcplab:{name}:{vm}".encode() in argv


def _wait_gone(pid: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)
