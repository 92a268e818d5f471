#!/usr/bin/python
"""Ansible module: run the scenarios for every pair of a Docker host, captured, in one call."""

DOCUMENTATION = r"""
module: docker_exchange
short_description: Run the scenarios, captured, for every pair on this Docker host at once
description:
  - Runs on the Docker host (the controller, or a lab PC reached over SSH) as root. All pairs run
    concurrently, each on its own; a pair runs its scenarios one after the other, each through the
    seeds' steps - tcpdump on the pair's bridge, confirmed listening; the server started in the
    server container; once the server listens (read from the container's socket table, so no
    connection is made), the client run in the client container with the messages as arguments
    (never through a shell); the server waited for; the capture stopped once quiet, with
    tcpdump's counts; the loss table's count of dropped segments read and the table removed.
  - The programs run inside the containers the way C(docker exec) runs them - in the container's
    namespaces, root and environment - but entered directly with C(nsenter), which costs a few
    milliseconds where a runtime exec costs a tenth of a core-second. The engine (its socket) is
    asked only for each container's state.
  - A pair's failure is that pair's - its result says what failed and why - and every other pair
    finishes. Even what fails for the whole host (no engine socket, no nsenter) is reported in each
    pair's result, so the run still gets its records, manifest and report. The module fails only
    when its own arguments are wrong.
  - The pcap goes straight into the run folder when this host is the controller (the plan's
    C(capture.local)), else into the spool, and the module packs the pcaps into one archive to fetch.
  - The pairs are this Docker host's (O(pairs[].docker_host)) with a capture still to take.
options:
  todo:
    type: dict
    required: true
    description: "The captures to take: scenario name -> names of pairs (the plan's C(todo))."
  reply_timeout: {type: int, default: 10, description: Seconds the client waits for each reply.}
  listen_timeout: {type: float, default: 10, description: Seconds the server may take to listen.}
  finish_timeout: {type: float, default: 10, description: Seconds the server may take to finish after the client.}
  capture_timeout: {type: float, default: 10, description: "Seconds tcpdump may take to listen, and to stop."}
  parallel: {type: int, default: 16, description: Pairs run at the same time.}
  docker_socket: {type: path, default: /var/run/docker.sock, description: The engine's socket on this host.}
extends_documentation_fragment: [tcplab.lab.records.batch, tcplab.lab.capture]
author: tcplab
"""

EXAMPLES = r"""
- name: Run every scenario for every pair of this Docker host, captured
  tcplab.lab.docker_exchange:
    pairs: "{{ lab_plan.pairs | selectattr('docker_host', 'equalto', inventory_hostname) | list }}"
    scenarios: "{{ lab_plan.scenarios.values() | list }}"
    todo: "{{ lab_plan.todo }}"
    run:
      lab_id: "{{ lab_plan.lab_id }}"
      run_id: "{{ lab_plan.run_id }}"
      run_dir: "{{ lab_plan.run_dir }}"
      spool: "{{ lab_plan.spool }}"
      remote_dir: "{{ lab_plan.remote_dir }}"
    parallel: 16
  become: true
  register: exchange

- name: Fetch the captures when this Docker host is not the controller
  ansible.builtin.fetch:
    src: "{{ exchange.archive }}"
    dest: "{{ lab_plan.run_dir }}/.incoming/{{ inventory_hostname }}.tar"
    flat: true
  become: true
  when: exchange.archive | length > 0
"""

RETURN = r"""
by_capture:
  description:
    - One result per capture, by C(<pair>/<scenario>) - pair, scenario, started, error (why it
      stopped early, or empty), capture (host, interface, filter, listening, tcpdump, counts,
      sha256, bytes), server and client (host, address, ran, rc, stdout, stderr), and loss for a
      scenario that drops a segment (module_utils/exchange.py).
    - The record step (M(tcplab.lab.record)) judges and records them.
  type: dict
  returned: always
  sample: {p01/reqresp: {pair: p01, scenario: reqresp, error: "", capture: {counts: {captured: 14, received_by_filter: 14, dropped_by_kernel: 0}, sha256: "9f2c..."}, server: {rc: 0}, client: {rc: 0}}}
archive:
  description: The pcaps packed for fetching, when this host is not the controller, else empty.
  type: str
  returned: always
  sample: /var/tmp/tcplab/tcplab/20261122T050221Z/captures.tar
"""

import concurrent.futures
import os
import shutil
import subprocess
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils import arguments, loss, tcpdump
from ansible_collections.tcplab.lab.plugins.module_utils.container import Program, environment, inside, running
from ansible_collections.tcplab.lab.plugins.module_utils.docker_api import DockerError, Engine
from ansible_collections.tcplab.lab.plugins.module_utils.exchange import (
    StepError, add_error, client_argv, client_deadline, deliver, last_line, listening, mark_progress, new_result,
    server_argv)
from ansible_collections.tcplab.lab.plugins.module_utils.plan import capture_filter, capture_paths


class PairRun:
    """One pair's exchange of one scenario on this Docker host; every step failure is a StepError."""

    def __init__(self, params, pair, scenario, tools):
        self.params, self.pair, self.scenario, self.run = params, pair, scenario, params["run"]
        self.engine, self.nsenter, self.nft = tools["engine"], tools["nsenter"], tools["nft"]
        self.result = new_result(pair, scenario)
        self.result["capture"]["tcpdump"] = tools["tcpdump"]
        self.pcap, self.stem = capture_paths(self.run, pair, scenario["name"])
        self.capturing = False
        self.server = None
        self.drop = None  # nft's argv in the receiver's namespace while the scenario drops a segment

    def __call__(self):
        mark_progress(self.run, self.pair, self.scenario, "running")
        try:
            self.exchange()
        except StepError as error:
            add_error(self.result, str(error))
        except (DockerError, OSError) as error:
            add_error(self.result, f"Docker host: {error}")
        finally:
            self.clean_up()
        mark_progress(self.run, self.pair, self.scenario, "ok" if looks_ok(self.result) else "failed")
        return self.result

    def exchange(self):
        port, p = self.scenario["port"], self.params
        if not self.nsenter:
            raise StepError("nsenter is not installed on this Docker host: install util-linux there")
        server_info = running(self.engine, self.pair["server"]["container"])
        client_info = running(self.engine, self.pair["client"]["container"])
        self.result["server"]["image"] = server_info.get("Image")
        net = f"/proc/{server_info['State']['Pid']}/net"
        if not os.access(os.path.join(net, "tcp"), os.R_OK):
            raise StepError(f"cannot read the sockets of container {self.pair['server']['container']} "
                            f"({net}/tcp): run the lab as root on the Docker engine's own host")

        bpf = capture_filter(self.pair, port)
        self.result["capture"]["filter"] = bpf
        try:
            started = tcpdump.start(self.pcap, self.stem, self.pair["capture"]["interface"], bpf,
                                    p["capture_timeout"], p["buffer_kib"], p["snaplen"])
        except tcpdump.CaptureError as error:
            raise StepError(f"starting tcpdump on {self.pair['capture']['interface']}: {error}") from None
        self.capturing = True
        self.result["capture"]["listening"] = started["listening"]

        if self.scenario.get("loss"):
            self.install_loss(server_info, client_info)
        if listening(net, port):
            raise StepError(f"Port {port} on {self.pair['server']['container']} is already in use (a server "
                            "left over from an earlier run?); stop it and run again.")
        # The server's output goes to files: a pipe nobody reads while it runs could fill and stall it.
        self.server = Program(inside(self.nsenter, server_info, server_argv(self.run, self.scenario)),
                              environment(server_info), self.stem + ".server")
        self.result["server"]["ran"] = True
        deadline = time.monotonic() + p["listen_timeout"]
        while not listening(net, port):
            if self.server.poll() is not None:
                raise StepError(f"the server exited before it listened on port {port}: "
                                f"{last_line(self.server.output()[1]) or 'no message'}")
            if time.monotonic() > deadline:
                raise StepError(f"the server did not listen on port {port} within {p['listen_timeout']:g} s")
            time.sleep(0.005)

        client = Program(inside(self.nsenter, client_info,
                                client_argv(self.run, self.scenario, self.pair, p["reply_timeout"])),
                         environment(client_info), self.stem + ".client")
        self.result["client"]["ran"] = True
        limit = client_deadline(self.pair, self.scenario, p["reply_timeout"])
        finished = client.wait(limit)
        if not finished:
            add_error(self.result, f"the client did not finish within {limit} s")
        stdout, stderr = client.output()
        client.remove()
        self.result["client"].update(rc=client.returncode if finished else None, stdout=stdout, stderr=stderr)
        # The server ends when the client has closed; give it a moment.
        self.server.wait(p["finish_timeout"], stop=False)

    def install_loss(self, server_info, client_info):
        """The scenario's drop, in the receiver's network namespace: after the bridge, so the
        capture has the original segment and TCP's retransmission (module_utils/loss.py)."""
        spec = self.scenario["loss"]
        role = "server" if spec["direction"] == "to_server" else "client"
        info = server_info if role == "server" else client_info
        if not self.nft:
            raise StepError("nft is not installed on this Docker host, and scenario "
                            f"{self.scenario['name']} drops a segment with it: install nftables there")
        prefix = [self.nsenter, "--target", str(info["State"]["Pid"]), "--net", "--", self.nft]
        self.result["loss"] = {"direction": spec["direction"], "segments": list(spec["segments"]),
                               "receiver": self.pair[role]["container"], "table": loss.TABLE,
                               "dropped": None}
        try:
            loss.install(prefix, self.scenario["port"], spec)
        except (loss.LossError, OSError, subprocess.SubprocessError) as error:
            raise StepError(f"putting nft table {loss.TABLE} in {self.pair[role]['container']}: "
                            f"{error}") from None
        self.drop = prefix

    def remove_loss(self):
        """Read how many segments the table dropped, then remove it: the next capture has none."""
        try:
            self.result["loss"]["dropped"] = loss.dropped(self.drop)
        except (loss.LossError, OSError, subprocess.SubprocessError) as error:
            add_error(self.result, f"reading nft table {loss.TABLE}: {error}")
        try:
            loss.remove(self.drop)
        except (loss.LossError, OSError, subprocess.SubprocessError) as error:
            add_error(self.result, f"removing nft table {loss.TABLE} from "
                                   f"{self.result['loss']['receiver']}: {error}")
        self.drop = None

    def clean_up(self):
        if self.drop is not None:
            self.remove_loss()
        if self.server is not None:
            finished = self.server.wait(0)
            stdout, stderr = self.server.output()
            self.server.remove()
            self.result["server"].update(finished=finished, stdout=stdout, stderr=stderr,
                                         rc=self.server.returncode if finished else None)
        if self.capturing:
            try:
                stopped = tcpdump.stop(self.pcap, self.stem, self.params["settle"], self.params["capture_timeout"])
                self.result["capture"].update(stopped)
            except (tcpdump.CaptureError, OSError) as error:
                add_error(self.result, f"stopping tcpdump: {error}")


def looks_ok(result):
    counts = result["capture"].get("counts") or {}
    return (not result["error"] and result["client"].get("rc") == 0 and result["server"].get("rc") == 0
            and counts.get("captured", 0) > 0 and counts.get("dropped_by_kernel") == 0)


def run_pair(params, pair, tools):
    """A pair's scenarios, in order: {<pair>/<scenario>: result}."""
    results = {}
    for scenario in params["scenarios"]:
        if pair["name"] in params["todo"].get(scenario["name"], []):
            results[f"{pair['name']}/{scenario['name']}"] = PairRun(params, pair, scenario, tools)()
    return results


def main():
    module = AnsibleModule(
        argument_spec=dict(
            pairs=arguments.required(arguments.PAIR), scenarios=arguments.required(arguments.SCENARIOS),
            todo={"type": "dict", "required": True}, run=arguments.required(arguments.RUN),
            reply_timeout={"type": "int", "default": 10}, listen_timeout={"type": "float", "default": 10},
            finish_timeout={"type": "float", "default": 10},
            capture_timeout={"type": "float", "default": tcpdump.TIMEOUT},
            parallel={"type": "int", "default": 16},
            docker_socket={"type": "path", "default": "/var/run/docker.sock"},
            **arguments.CAPTURE),
        supports_check_mode=False,
    )
    params = module.params
    nsenter = shutil.which("nsenter") or shutil.which("nsenter", path="/usr/bin:/usr/sbin:/bin:/sbin")
    tools = {"engine": Engine(params["docker_socket"]), "nsenter": nsenter, "nft": loss.nft_path(),
             "tcpdump": tcpdump.version()}
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, params["parallel"])) as pool:
        for pair_results in pool.map(lambda pair: run_pair(params, pair, tools), params["pairs"]):
            results.update(pair_results)
    archive = deliver(params["run"], params["pairs"], results, "captures.tar")
    module.exit_json(changed=bool(results), by_capture=results, archive=archive)


if __name__ == "__main__":
    main()
