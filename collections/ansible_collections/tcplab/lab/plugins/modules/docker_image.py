#!/usr/bin/python
"""Ansible module: look for the lab image on this Docker host, pulling it if asked, or import it."""

DOCUMENTATION = r"""
module: docker_image
short_description: Look for the lab image on this Docker host (and pull it when asked)
description:
  - Runs on the Docker host and talks to the engine through its socket, so it needs nothing but
    python3 there. Returns whether the image is present and its id; with C(pull=true) a missing
    image is pulled first (which needs a registry). A failed pull is reported, not fatal - the
    caller builds the image instead.
  - With C(rootfs), imports that root filesystem tar as the image (what C(docker import) does),
    through the same socket - so a Podman service or an engine at another socket gets it too.
options:
  name: {type: str, required: true, description: The image.}
  pull: {type: bool, default: false, description: Pull the image when it is missing.}
  rootfs: {type: path, description: A root filesystem tar to import as the image.}
  changes:
    type: list
    elements: str
    default: []
    description: Dockerfile instructions applied on import (CMD, LABEL ...).
  docker_socket: {type: path, default: /var/run/docker.sock, description: The engine's socket on this host.}
author: tcplab
"""

EXAMPLES = r"""
- name: Look for the lab image (pulling it when lab_image_pull asks)
  tcplab.lab.docker_image:
    name: "{{ lab_image_name }}"
    pull: "{{ lab_image_pull }}"
  become: true
  register: image

- name: Import a root filesystem built offline as the lab image
  tcplab.lab.docker_image:
    name: tcplab/debian-python3:bookworm
    rootfs: /tmp/tcplab-image/rootfs.tar
    changes:
      - CMD ["sleep", "infinity"]
      - LABEL org.tcplab.image=built-offline
  become: true
  when: not image.present
"""

RETURN = r"""
name: {description: The image., type: str, returned: always}
present: {description: The image is on this host., type: bool, returned: always}
id: {description: The image id (empty when it is not present)., type: str, returned: always}
how: {description: How it came to be here - present (already), built (imported from rootfs), pulled, or missing., type: str, returned: always}
pull_error: {description: Why a pull failed (empty when none was tried or it worked)., type: str, returned: always}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils.docker_api import DockerError, Engine


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "pull": {"type": "bool", "default": False},
            "rootfs": {"type": "path"},
            "changes": {"type": "list", "elements": "str", "default": []},
            "docker_socket": {"type": "path", "default": "/var/run/docker.sock"},
        },
        supports_check_mode=True,
    )
    engine = Engine(module.params["docker_socket"])
    name, changed, how, pull_error = module.params["name"], False, "present", ""
    try:
        if module.params["rootfs"] and not module.check_mode:
            engine.import_image(module.params["rootfs"], name, module.params["changes"])
            changed, how = True, "built"
        image = engine.image(name)
        if image is None and module.params["pull"] and not module.check_mode:
            try:
                engine.pull(name)
                changed, how = True, "pulled"
            except (DockerError, OSError) as error:
                pull_error = str(error)
            image = engine.image(name)
    except DockerError as error:
        module.fail_json(msg=f"Docker engine: {error}")
    module.exit_json(changed=changed, name=name, present=image is not None, id=image["Id"] if image else "",
                     how=how if image is not None else "missing", pull_error=pull_error)


if __name__ == "__main__":
    main()
