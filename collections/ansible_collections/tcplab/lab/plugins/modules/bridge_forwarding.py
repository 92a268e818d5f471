#!/usr/bin/python
"""Ansible module: does this host's firewall let its bridge forward the machines' traffic?"""

DOCUMENTATION = r"""
module: bridge_forwarding
short_description: Check that a capture host's bridge forwards the lab machines' traffic
description:
  - For each peer (a pair's server address), finds the interface this host routes to it by. When
    that interface is a Linux bridge, C(bridge-nf-call-iptables) is on (br_netfilter, which Docker
    loads) and the iptables FORWARD policy is DROP (Docker sets it), frames the bridge forwards
    between its machines are dropped unless a rule accepts them.
  - Fails with one line naming the bridge and the rule that fixes it when none does; looks only,
    changes nothing (check mode too).
options:
  peers:
    description: Addresses whose route's interface is checked (the pairs' servers captured here).
    type: list
    elements: str
    required: true
author: tcplab
"""

EXAMPLES = r"""
- name: Check that the bridge forwards the machines' traffic
  tcplab.lab.bridge_forwarding:
    peers: [192.168.122.11, 192.168.122.13]
"""

RETURN = r"""
bridges:
  description: The bridges checked, each with whether its forwarded frames pass.
  type: list
  elements: dict
  returned: success
  contains:
    bridge: {description: The bridge's interface name., type: str}
    filtered: {description: Whether bridged frames pass iptables (bridge-nf-call-iptables)., type: bool}
    passes: {description: Whether the firewall lets them through., type: bool}
"""

import os
import re
import shutil
import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils.tcpdump import CaptureError, route_interface


def filtered():
    try:
        with open("/proc/sys/net/bridge/bridge-nf-call-iptables", encoding="ascii") as f:
            return f.read().strip() == "1"
    except OSError:
        return False  # br_netfilter not loaded: bridged frames never meet iptables


def passes(bridge):
    """True when FORWARD accepts by policy, or a rule accepts the bridge's own traffic."""
    if shutil.which("iptables") is None:
        return True
    rules = subprocess.run(["iptables", "-S"], capture_output=True, text=True).stdout.splitlines()
    if "-P FORWARD DROP" not in rules:
        return True
    ours = re.compile(rf"^-A (FORWARD|DOCKER-USER) -i {re.escape(bridge)} -o {re.escape(bridge)}\b.* -j ACCEPT$")
    return any(ours.match(rule) for rule in rules)


def main():
    module = AnsibleModule(argument_spec={"peers": {"type": "list", "elements": "str", "required": True}},
                           supports_check_mode=True)
    seen = {}
    for peer in module.params["peers"]:
        try:
            interface = route_interface(peer)
        except CaptureError:
            continue  # no route: the capture step names that, for its pair
        if interface and interface not in seen and os.path.isdir(f"/sys/class/net/{interface}/bridge"):
            seen[interface] = {"bridge": interface, "filtered": filtered(), "passes": True}
            seen[interface]["passes"] = not seen[interface]["filtered"] or passes(interface)
    for bridge in seen.values():
        if not bridge["passes"]:
            name = bridge["bridge"]
            chain = "DOCKER-USER" if subprocess.run(["iptables", "-n", "-L", "DOCKER-USER"],
                                                    capture_output=True).returncode == 0 else "FORWARD"
            module.fail_json(bridges=list(seen.values()), msg=(
                f"bridge {name}: this host's firewall drops the frames it forwards (bridge-nf-call-iptables=1, "
                f"FORWARD policy DROP), so its machines cannot reach each other; allow them: "
                f"iptables -I {chain} -i {name} -o {name} -j ACCEPT"))
    module.exit_json(changed=False, bridges=list(seen.values()))


if __name__ == "__main__":
    main()
