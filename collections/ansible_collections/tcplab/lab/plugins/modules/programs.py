#!/usr/bin/python
"""Ansible module: the lab programs written to a machine in one call."""

DOCUMENTATION = r"""
module: programs
short_description: Write the lab programs to a machine, in one call
description:
  - Writes each program (its path under O(dest) and its text) with mode 0755, atomically, and
    only when it differs from what is there; folders are made as needed. One module call carries
    every program, where copying a folder costs a transfer and a check per file.
  - Check mode says whether anything would be written and writes nothing.
options:
  dest:
    description: The folder the programs go to (the plan's remote_dir).
    type: path
    required: true
  programs:
    description: The programs, each a path under O(dest) mapped to its text.
    type: dict
    required: true
author: tcplab
"""

EXAMPLES = r"""
- name: Write the lab programs to /opt/tcplab
  tcplab.lab.programs:
    dest: /opt/tcplab
    programs:
      reqresp/server.py: "{{ lookup('ansible.builtin.file', 'files/reqresp/server.py', rstrip=false) }}"
"""

RETURN = r"""
written:
  description: Whether any program was written (or, in check mode, would be).
  type: bool
  returned: success
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils.files import write_programs


def main():
    module = AnsibleModule(argument_spec={"dest": {"type": "path", "required": True},
                                          "programs": {"type": "dict", "required": True}},
                           supports_check_mode=True)
    programs = module.params["programs"]
    for path in programs:
        parts = path.split("/")
        if not path or path.startswith("/") or ".." in parts or "" in parts:
            module.fail_json(msg=f"program path {path!r}: give a relative path under dest, without ..")
    try:
        written = write_programs(module.params["dest"], programs, check=module.check_mode)
    except OSError as error:
        module.fail_json(msg=f"cannot write the lab programs to {module.params['dest']}: {error}")
    module.exit_json(changed=written, written=written)


if __name__ == "__main__":
    main()
