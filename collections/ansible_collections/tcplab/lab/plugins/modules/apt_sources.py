#!/usr/bin/python
"""Ansible module: the apt sources file and release of this (Debian or Ubuntu) host."""

DOCUMENTATION = r"""
module: apt_sources
short_description: Find this host's apt sources file and release, to build the lab image from
description:
  - Looks for the file that names this host's apt sources - C(debian.sources) or
    C(ubuntu.sources) (deb822, Debian 12 and Ubuntu 24.04) in C(/etc/apt/sources.list.d), else
    C(/etc/apt/sources.list) - and reads the release's codename from C(os-release).
  - Fails with one line when there is none (not a Debian or Ubuntu host), saying what to set.
options:
  sources: {type: path, default: "", description: "A sources file to use instead (checked to exist)."}
author: tcplab
"""

EXAMPLES = r"""
- name: Find the Docker host's apt sources and release
  tcplab.lab.apt_sources:
    sources: "{{ lab_image_sources }}"
  register: apt

- name: Build the image's root filesystem from them, offline
  ansible.builtin.command:
    argv: [mmdebstrap, --variant=minbase, --include=python3, --format=tar, "{{ apt.suite }}", /tmp/rootfs.tar,
           "{{ apt.sources }}"]
  changed_when: true
"""

RETURN = r"""
sources: {description: The apt sources file., type: str, returned: success}
suite: {description: "The release's codename, e.g. bookworm or noble.", type: str, returned: success}
distribution: {description: "debian, ubuntu, ...", type: str, returned: success}
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils.apt import CANDIDATES, release, sources_file


def main():
    module = AnsibleModule(argument_spec={"sources": {"type": "path", "default": ""}}, supports_check_mode=True)
    given = module.params["sources"]
    if given and not os.path.isfile(given):
        module.fail_json(msg=f"lab_image_sources {given}: no such file on this host; give its apt sources "
                             "file, or leave it empty to find it.")
    path = given or sources_file()
    distribution, suite = release()
    if not path or not suite:
        module.fail_json(msg="This host has no apt sources to build the lab image from (looked for "
                             f"{', '.join('/' + c for c in CANDIDATES)}): build on a Debian or Ubuntu host, "
                             "or set lab_image_name to an image with python3 that this host has.")
    module.exit_json(changed=False, sources=path, suite=suite, distribution=distribution)


if __name__ == "__main__":
    main()
