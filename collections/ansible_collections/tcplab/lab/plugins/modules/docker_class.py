#!/usr/bin/python
"""Ansible module: set up (or remove) every pair of a Docker host in one call."""

DOCUMENTATION = r"""
module: docker_class
short_description: Give every pair of this Docker host its network and containers, at once
description:
  - Runs on the Docker host and talks to the engine through its socket.
  - C(state=present) - writes the lab programs once into C(<spool>/<lab_id>/programs) on this host,
    then for every pair of the plan on this host, concurrently, makes its bridge network (the plan's
    subnet, gateway and bridge interface name) and its server and client containers (the plan's
    addresses), with the programs mounted read-only at C(remote_dir). What already matches the plan
    is left alone, so a second run changes nothing; a network or container that differs from the
    plan is made anew, and so is every container when the programs' folder had to be made again
    (a container from before mounts the folder that was removed). Everything carries the label
    C(org.tcplab.lab=<lab_id>).
  - A pair that cannot be set up is reported with its cause (a warning) and the other pairs go on;
    the module fails only when no pair could be set up.
  - C(state=absent) - removes every container and network labelled with the lab id, and nothing else.
  - In check mode nothing is written or changed; each pair says what would be made, replaced or
    started.
  - The pairs are this Docker host's (O(pairs[].docker_host)).
options:
  state: {type: str, choices: [present, absent], default: present, description: Set the class up or remove it.}
  lab_id: {type: str, required: true, description: The lab whose containers and networks these are.}
  image: {type: str, default: "", description: Image of the containers (must be on this host).}
  remote_dir: {type: path, default: /opt/tcplab, description: Where the programs are in the containers.}
  programs: {type: dict, default: {}, description: "The lab programs: path under remote_dir -> content."}
  spool: {type: path, default: /var/tmp/tcplab, description: "The lab's folder on this host (the programs go under it)."}
  parallel: {type: int, default: 8, description: Pairs set up at the same time.}
  docker_socket: {type: path, default: /var/run/docker.sock, description: The engine's socket on this host.}
extends_documentation_fragment:
  - tcplab.lab.records.pairs_optional
attributes:
  check_mode: {support: full, details: "Changes nothing; each pair says what it would do."}
author: tcplab
"""

EXAMPLES = r"""
- name: Set up every pair of this Docker host - networks, containers, programs
  tcplab.lab.docker_class:
    lab_id: "{{ lab_plan.lab_id }}"
    pairs: "{{ lab_plan.pairs | selectattr('docker_host', 'equalto', inventory_hostname) | list }}"
    image: "{{ lab_plan.image }}"
    remote_dir: "{{ lab_plan.remote_dir }}"
    spool: "{{ lab_plan.spool }}"
    programs: "{{ dict(lab_plan.programs | zip(query('ansible.builtin.file', *program_files, rstrip=false))) }}"
  vars:
    program_files: "{{ lab_plan.programs | map('regex_replace', '^', lab_plan.programs_dir ~ '/') | list }}"
  become: true

- name: Remove every container and network of lab tcplab
  tcplab.lab.docker_class:
    state: absent
    lab_id: tcplab
"""

RETURN = r"""
pairs: {description: "Per pair: changed, error (empty when it is set up), and would: in check mode what it would do (e.g. make network tcplab-p01, replace container tcplab-p01-server).", type: dict, returned: state=present}
removed: {description: Names of the containers and networks removed (in check mode, that would be)., type: list, returned: state=absent}
"""

import concurrent.futures
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils import arguments
from ansible_collections.tcplab.lab.plugins.module_utils.docker_api import BRIDGE_OPTION, DockerError, Engine
from ansible_collections.tcplab.lab.plugins.module_utils.files import write_programs

LABEL = "org.tcplab.lab"


class PairSetup:
    """Sets one pair up; in check mode (`check`) changes nothing and lists in `would` what it
    would do (make/replace/start a network or container)."""

    def __init__(self, engine, params, image_id, programs, check=False, programs_new=False):
        self.engine, self.params = engine, params
        self.image_id, self.programs, self.check = image_id, programs, check
        self.bind = f"{programs}:{params['remote_dir']}:ro"
        # The programs' folder was (re)made by this call: a container left from before mounts the
        # folder that was removed (make clean removes it), not this one, and is made again.
        self.programs_new = programs_new

    def __call__(self, pair):
        changed, would = False, []
        try:
            changed |= self.network(pair, would)
            for role in ("server", "client"):
                if self.check and f"replace network {pair['network']['name']}" in would:
                    would.append(f"replace container {pair[role]['container']}")  # goes with it
                    continue
                changed |= self.container(pair, role, would)
            return pair["name"], {"changed": changed, "error": "", "would": would}
        except (DockerError, OSError) as error:
            return pair["name"], {"changed": changed, "error": str(error), "would": would}

    def labels(self, pair, role=None):
        labels = {LABEL: self.params["lab_id"], "org.tcplab.pair": pair["name"]}
        if role:
            labels["org.tcplab.role"] = role
        return labels

    def network(self, pair, would):
        wanted = pair["network"]
        found = self.engine.network(wanted["name"])
        if found is not None:
            config = (found.get("IPAM", {}).get("Config") or [{}])[0]
            if (config.get("Subnet"), config.get("Gateway"), self.engine.bridge(found),
                    (found.get("Labels") or {}).get(LABEL)) == (
                    wanted["subnet"], wanted["gateway"], wanted["bridge"], self.params["lab_id"]):
                return False
        if self.check:
            would.append(f"{'replace' if found is not None else 'make'} network {wanted['name']}")
            return True
        if found is not None:
            # The plan changed (another pool, another bridge name): make the pair anew.
            for role in ("server", "client"):
                self.engine.remove_container(pair[role]["container"])
            self.engine.remove_network(wanted["name"])
        self.engine.create_network({
            "Name": wanted["name"], "Driver": "bridge", "CheckDuplicate": True,
            "IPAM": {"Driver": "default", "Config": [{"Subnet": wanted["subnet"], "Gateway": wanted["gateway"]}]},
            "Options": {BRIDGE_OPTION: wanted["bridge"]},
            "Labels": self.labels(pair)})
        return True

    def container(self, pair, role, would):
        name, network = pair[role]["container"], pair["network"]["name"]
        found = self.engine.container(name)
        if self.check:
            if found is None or not self.matches(found, pair, role):
                would.append(f"{'replace' if found is not None else 'make'} container {name}")
            elif not found["State"].get("Running"):
                would.append(f"start container {name}")
            else:
                return False
            return True
        if found is not None and not self.matches(found, pair, role):
            self.engine.remove_container(name)
            found = None
        changed = False
        if found is None:
            self.engine.create_container(name, {
                "Image": self.params["image"], "Cmd": ["sleep", "infinity"],
                "Hostname": f"{pair['name']}-{role}", "Labels": self.labels(pair, role),
                "HostConfig": {"Init": True, "NetworkMode": network, "RestartPolicy": {"Name": "no"},
                               "Binds": [self.bind]},
                "NetworkingConfig": {"EndpointsConfig": {
                    network: {"IPAMConfig": {"IPv4Address": pair[role]["address"]}}}}})
            changed = True
        if found is None or not found["State"].get("Running"):
            self.engine.start(name)
            changed = True
        return changed

    def matches(self, found, pair, role):
        network = (found.get("NetworkSettings", {}).get("Networks") or {}).get(pair["network"]["name"]) or {}
        return (not self.programs_new and found.get("Image") == self.image_id
                and found["Config"].get("Cmd") == ["sleep", "infinity"]
                and only_bind((found.get("HostConfig") or {}).get("Binds"), self.bind)
                and address(network) == pair[role]["address"]
                and (found["Config"].get("Labels") or {}).get(LABEL) == self.params["lab_id"])


def only_bind(binds, wanted):
    """Whether `binds` is the one bind `wanted` (source:target:ro). Podman reports its default
    options with it (`:ro,rprivate,rbind`), Docker the options as given."""
    if len(binds or []) != 1:
        return False
    source, target, *options = binds[0].split(":")
    wanted_source, wanted_target, wanted_options = wanted.split(":")
    return ((source, target) == (wanted_source, wanted_target)
            and wanted_options in ",".join(options).split(","))


def address(network):
    """A container's address on a network: as asked for (Docker reports that), else as given
    (Podman reports only the address it gave)."""
    return (network.get("IPAMConfig") or {}).get("IPv4Address") or network.get("IPAddress")


def present(module, engine):
    p = module.params
    image = engine.image(p["image"])
    if image is None and not module.check_mode:  # in check mode, it is built before this step
        module.fail_json(msg=f"The image {p['image']} is not on this Docker host: run the whole lab "
                             "(its image step builds it), or set lab_image_name to an image with python3.")
    programs = os.path.join(p["spool"], p["lab_id"], "programs")
    programs_new = not os.path.isdir(programs)
    written = write_programs(programs, p["programs"], module.check_mode)
    setup = PairSetup(engine, p, image["Id"] if image else None, programs, module.check_mode,
                      programs_new)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, p["parallel"])) as pool:
        results = dict(pool.map(setup, p["pairs"]))
    failed = {name: r["error"] for name, r in results.items() if r["error"]}
    for name, error in failed.items():
        module.warn(f"pair {name} could not be set up: {error}")
    if failed and len(failed) == len(results):
        module.fail_json(msg=f"No pair could be set up on this Docker host; the first: {next(iter(failed.values()))}",
                         pairs=results)
    module.exit_json(changed=written or any(r["changed"] for r in results.values()), pairs=results)


def absent(module, engine):
    label = f"{LABEL}={module.params['lab_id']}"
    removed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, module.params["parallel"])) as pool:
        containers = [c["Names"][0].lstrip("/") for c in engine.containers(label)]
        if not module.check_mode:
            list(pool.map(engine.remove_container, containers))
        removed += containers
        networks = [n["Name"] for n in engine.networks(label)]
        if not module.check_mode:
            list(pool.map(engine.remove_network, networks))
        removed += networks
    module.exit_json(changed=bool(removed), removed=removed)


def main():
    module = AnsibleModule(
        argument_spec={
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "lab_id": {"type": "str", "required": True},
            "pairs": dict(arguments.PAIR, default=[]),
            "image": {"type": "str", "default": ""},
            "remote_dir": {"type": "path", "default": "/opt/tcplab"},
            "programs": {"type": "dict", "default": {}},
            "spool": {"type": "path", "default": "/var/tmp/tcplab"},
            "parallel": {"type": "int", "default": 8},
            "docker_socket": {"type": "path", "default": "/var/run/docker.sock"},
        },
        required_if=[("state", "present", ("image",))],
        supports_check_mode=True,
    )
    engine = Engine(module.params["docker_socket"])
    try:
        if module.params["state"] == "present":
            present(module, engine)
        else:
            absent(module, engine)
    except DockerError as error:
        module.fail_json(msg=f"Docker engine: {error}")


if __name__ == "__main__":
    main()
