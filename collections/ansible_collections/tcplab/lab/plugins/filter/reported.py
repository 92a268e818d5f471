"""Filter tcplab.lab.reported: what each machine reported for one step of an exchange."""

DOCUMENTATION = r"""
name: reported
short_description: What each host reported for one step of an exchange
description:
  - Given the name of a registered variable, the play's hosts and hostvars, returns the
    C(by_capture) of every host that ran the step - its part of each capture's result, by
    C(<pair>/<scenario>); hosts that skipped the step add nothing.
positional: hosts, hostvars
options:
  _input: {description: Name of the registered variable of the step., type: str, required: true}
  hosts: {description: The hosts to ask (ansible_play_hosts)., type: list, required: true}
  hostvars: {description: hostvars., type: dict, required: true}
"""


def reported(step, hosts, hostvars):
    parts = []
    for host in hosts:
        registered = hostvars[host].get(step)
        if isinstance(registered, dict) and isinstance(registered.get("by_capture"), dict):
            parts.append(registered["by_capture"])
    return parts


class FilterModule:
    def filters(self):
        return {"reported": reported}
