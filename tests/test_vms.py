"""The lab on real virtual machines: Debian VMs booted with QEMU, reached over SSH as a sudo user.

`tcplab vm` builds the image offline (cached in .cache/vm/image), boots two VMs (KVM where a guest
really boots here, else software emulation), their lab NICs on taps in a Linux bridge of this
machine, and writes their inventory. The class is the one the README's machine roster shows:
p01 captured on the hypervisor's bridge, p02 on its server VM, p03 on one VM's loopback. Every
capture is read by tshark; afterwards nothing of the lab runs on the VMs, and `down` leaves this
machine as it was: no VM, tap, bridge or firewall rule of the fleet's. The class runs the
lost-segment lesson (reqresp-loss) first, dropped by each pair's server VM.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lab_playbook import ansible_playbook

from tcplab.vm import fleet, image

ROOT = Path(__file__).resolve().parent.parent
NAME = "tlvmtest"
BRIDGE = f"{NAME}-br"
pytestmark = pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None or os.geteuid() != 0,
                                reason="needs qemu-system-x86 (make setup-test) and root")


@pytest.fixture(scope="module")
def vms(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fleet")
    built = image.ensure(ROOT / ".cache" / "vm" / "image")
    try:
        state = fleet.up(folder, built, 2, name=NAME, subnet="10.252.0.0/24")
        class_file = folder / "inventory" / "group_vars" / "all" / "class.yml"
        class_file.write_text(json.dumps({
            "lab_id": NAME, "lab_captures_dir": str(folder / "captures"),
            "lab_capture_host": "hypervisor",
            "lab_roster": [{"name": "p01", "server": "vm02", "client": "vm01", "capture": "bridge"},
                           {"name": "p02", "server": "vm01", "client": "vm02", "capture": "server"},
                           {"name": "p03", "server": "vm01", "client": "vm01"}]}))
        yield folder, state, built
    finally:
        if (folder / "state.json").exists():
            fleet.down(folder)


def ssh(folder, vm, command):
    """Run `command` on a VM as the lab does: its user, its key, the host key the lab recorded
    (a test run alone records it on first contact, as the lab would)."""
    return subprocess.run(
        ["ssh", "-i", str(ROOT / ".cache/vm/image/id_ed25519"), "-p", str(vm["ssh_port"]),
         "-o", f"UserKnownHostsFile={folder / 'inventory' / '.known_hosts'}",
         "-o", "StrictHostKeyChecking=accept-new", "-o", "BatchMode=yes", f"{image.USER}@127.0.0.1",
         command], capture_output=True, text=True, timeout=60)


def tshark(pcap, display_filter=""):
    rows = subprocess.run(["tshark", "-r", str(pcap), "-Y", display_filter,
                           "-T", "fields", "-e", "ip.src", "-e", "ip.dst",
                           "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags.str",
                           "-e", "tcp.len"], capture_output=True, text=True, timeout=60, check=True)
    return [line.split("\t") for line in rows.stdout.splitlines()]


def test_the_lab_runs_on_real_vms_over_ssh_as_a_sudo_user(vms):
    """The README's machine class, with the lost-segment lesson first: each pair's server VM drops
    the client's 2nd data segment of reqresp-loss once (its own nft table, naming the pair's
    addresses), after the wire - so the capture on the bridge, on the server VM's NIC and on the
    loopback has the original and TCP's retransmission - and the scenarios after it lose nothing."""
    folder, state, _ = vms
    result = ansible_playbook("lab.yml", inventory=folder / "inventory", timeout=1500,
                              variables={"lab_run_id": "vms",
                                         "lab_run_scenarios": "reqresp-loss,reqresp,upcall"})
    assert result.returncode == 0, result.stdout[-4000:]
    run = folder / "captures" / "vms"
    manifest = json.loads((run / "manifest.json").read_text())
    where = {(c["pair"], c["scenario"]): (c["status"], c["capture"]["host"], c["capture"]["interface"])
             for c in manifest["captures"]}
    assert where == {(pair, scenario): ("ok", *point)
                     for pair, point in (("p01", ("hypervisor", BRIDGE)), ("p02", ("vm01", "ens4")),
                                         ("p03", ("vm01", "lo")))
                     for scenario in ("reqresp-loss", "reqresp", "upcall")}
    address = {vm["name"]: vm["lab_address"] for vm in state["vms"]}
    ends = {"p01": (address["vm02"], address["vm01"]), "p02": (address["vm01"], address["vm02"]),
            "p03": (address["vm01"], address["vm01"])}  # its own lab address, over lo
    for (pair, scenario), _ in where.items():
        port = {"reqresp-loss": "2223", "reqresp": "2222", "upcall": "4141"}[scenario]
        rows = tshark(run / pair / f"{scenario}.pcap")
        server, client = ends[pair]
        for src, dst, sport, dport, _, _ in rows:  # the pair's connection and nothing else
            assert ((src, sport), dst) == ((server, port), client) or \
                ((dst, dport), src) == ((server, port), client), (pair, scenario, rows)
        flags = [r[4] for r in rows]
        assert sum("S" in f for f in flags) == 2 and sum("F" in f for f in flags) == 2, flags
        assert sum(int(r[5]) > 0 for r in rows) >= 6  # three messages, three replies
        resent = tshark(run / pair / f"{scenario}.pcap", "tcp.analysis.retransmission")
        if scenario != "reqresp-loss":
            assert resent == [], (pair, scenario, resent)  # the drop was gone after its scenario
            continue
        assert len(resent) == 1 and resent[0][3] == port, (pair, rows)
    report = {(c["pair"], c["scenario"]): c for c in json.loads((run / "report.json").read_text())["captures"]}
    for pair, receiver, index in (("p01", "vm02", 1), ("p02", "vm01", 2), ("p03", "vm01", 3)):
        record = json.loads((run / pair / "reqresp-loss.json").read_text())
        assert record["loss"] == {"direction": "to_server", "segments": [2], "receiver": receiver,
                                  "table": f"tcplab_loss.{NAME}.{index}", "dropped": 1}, record["loss"]
        lost = report[(pair, "reqresp-loss")]
        assert lost["verdict"] == "complete", lost["reasons"]
        assert [a["dir"] for a in lost["anomalies"] if a["kind"] == "retransmission"] == ["C>S"]
    known = folder / "inventory" / ".known_hosts"
    for vm in state["vms"]:  # recorded on first contact (hashed, as Debian's ssh does)
        assert subprocess.run(["ssh-keygen", "-F", f"[127.0.0.1]:{vm['ssh_port']}", "-f", str(known)],
                              capture_output=True).returncode == 0
        left = ssh(folder, vm, "pgrep -a tcpdump; pgrep -af '[/]opt/tcplab/'; id -un; "
                               "sudo -n nft list tables | grep -c tcplab_loss")
        assert left.stdout.split() == [image.USER, "0"], left.stdout + left.stderr
    assert subprocess.run(["pgrep", "-f", f"tcpdump.*{BRIDGE}"], capture_output=True).returncode == 1


def test_a_bridge_whose_forwarded_frames_the_firewall_drops_is_named_before_the_run(vms):
    """Without the fleet's accept rule, Docker's FORWARD DROP and bridge-nf-call-iptables drop what
    the bridge forwards between the VMs: the run (here --check) names the bridge and the fix."""
    folder, state, _ = vms
    if state["rule"] is None:
        pytest.skip("bridged frames do not pass iptables on this host (no br_netfilter)")
    rule = state["rule"]
    subprocess.run(["iptables", "-D", *rule], check=True)
    try:
        result = ansible_playbook("lab.yml", "--check", inventory=folder / "inventory",
                                  variables={"lab_run_id": "firewall"}, timeout=600)
    finally:
        subprocess.run(["iptables", "-I", *rule], check=True)
    assert result.returncode != 0
    chain = rule[0]
    assert (f"bridge {BRIDGE}: this host's firewall drops the frames it forwards "
            f"(bridge-nf-call-iptables=1, FORWARD policy DROP), so its machines cannot reach each "
            f"other; allow them: iptables -I {chain} -i {BRIDGE} -o {BRIDGE} -j ACCEPT") \
        in result.stdout, result.stdout[-3000:]

def test_a_vm_without_tcpdump_and_no_mirror_is_one_line_and_spoils_no_other_pair(vms):
    """The VMs reach no package mirror: with tcpdump removed from vm02, the run names vm02 and the
    package in one line (as make lab shows it); the pair on vm01 alone is still captured."""
    folder, state, _ = vms
    vm02 = next(vm for vm in state["vms"] if vm["name"] == "vm02")
    removed = ssh(folder, vm02, "sudo -n dpkg --remove tcpdump")
    assert removed.returncode == 0, removed.stderr
    roster = [{"name": "p01", "server": "vm02", "client": "vm02"},
              {"name": "p02", "server": "vm01", "client": "vm01"}]
    result = ansible_playbook("lab.yml", inventory=folder / "inventory",
                              variables={"lab_run_id": "no-tcpdump", "lab_roster": roster,
                                         "lab_run_scenarios": "reqresp"},
                              env={"ANSIBLE_STDOUT_CALLBACK": "tcplab.lab.class_view"}, timeout=1500)
    assert result.returncode != 0
    said = [line for line in result.stdout.splitlines() if "has no tcpdump" in line]
    assert said == ["error      vm02: Say that tcpdump is missing: vm02 captures but has no tcpdump, "
                    "and its package manager could not install tcpdump (no package mirror "
                    "reachable?): install tcpdump on vm02 and run the lab again"], result.stdout
    manifest = json.loads((folder / "captures" / "no-tcpdump" / "manifest.json").read_text())
    status = {(c["pair"], c["scenario"]): c["status"] for c in manifest["captures"]}
    assert status == {("p01", "reqresp"): "failed", ("p02", "reqresp"): "ok"}, status
    assert {tuple(c["reasons"]) for c in manifest["captures"] if c["pair"] == "p01"} == {(
        "not run: machine vm02 failed earlier in this run (its error is above in the playbook's "
        "output)",)}


def test_a_vm_without_nft_is_named_before_the_run_for_a_loss_scenario(vms):
    """A loss scenario whose receiving VM has no nft: one line naming the VM, the scenario and the
    fix, before any exchange (here --check: nothing is exchanged at all)."""
    folder, state, _ = vms
    vm02 = next(vm for vm in state["vms"] if vm["name"] == "vm02")
    removed = ssh(folder, vm02, "sudo -n dpkg --remove nftables")
    assert removed.returncode == 0, removed.stderr
    roster = [{"name": "p01", "server": "vm02", "client": "vm01", "capture": "bridge"},
              {"name": "p02", "server": "vm01", "client": "vm01"}]
    result = ansible_playbook("lab.yml", "--check", inventory=folder / "inventory",
                              variables={"lab_run_id": "no-nft", "lab_roster": roster,
                                         "lab_run_scenarios": "reqresp-loss"},
                              env={"ANSIBLE_STDOUT_CALLBACK": "tcplab.lab.class_view"}, timeout=600)
    assert result.returncode != 0
    said = [line for line in result.stdout.splitlines() if "has no nft" in line]
    assert len(said) == 1 and said[0].startswith("error      vm02: ") and said[0].endswith(
        "vm02 has no nft, which scenario reqresp-loss needs to drop a segment there: install "
        "nftables on vm02, or leave reqresp-loss out of lab_run_scenarios"), result.stdout


def test_down_leaves_the_machine_as_it_was(vms):
    folder, state, _ = vms
    rule = state["rule"]
    if Path("/proc/sys/net/bridge/bridge-nf-call-iptables").exists() and \
            Path("/proc/sys/net/bridge/bridge-nf-call-iptables").read_text().strip() == "1":
        assert rule is not None  # without it the host's FORWARD policy drops VM-to-VM frames
        assert subprocess.run(["iptables", "-C", *rule], capture_output=True).returncode == 0
    assert fleet.down(folder, log=lambda _line: None)
    for vm in state["vms"]:
        assert not Path(f"/proc/{vm['pid']}").exists()
        assert subprocess.run(["ip", "link", "show", vm["tap"]], capture_output=True).returncode != 0
    assert subprocess.run(["ip", "link", "show", BRIDGE], capture_output=True).returncode != 0
    if rule:
        assert subprocess.run(["iptables", "-C", *rule], capture_output=True).returncode != 0
    assert not (folder / "state.json").exists()
