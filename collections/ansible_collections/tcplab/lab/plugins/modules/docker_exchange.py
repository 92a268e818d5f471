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
options:
  pairs: {type: list, elements: dict, required: true, description: "The plan's records of this host's pairs."}
  scenarios: {type: list, elements: dict, required: true, description: "The scenarios (name, port, server, client), in order."}
  todo: {type: dict, required: true, description: "The captures to take: scenario -> names of pairs."}
  run: {type: dict, required: true, description: "The plan's lab_id, run_id, run_dir, spool and remote_dir."}
  reply_timeout: {type: int, default: 10, description: Seconds the client waits for each reply.}
  listen_timeout: {type: float, default: 10, description: Seconds the server may take to listen.}
  finish_timeout: {type: float, default: 10, description: Seconds the server may take to finish after the client.}
  capture_timeout: {type: float, default: 10, description: Seconds tcpdump may take to listen, and to stop.}
  settle: {type: float, default: 0.5, description: Seconds without a new packet before a capture is stopped.}
  buffer_kib: {type: int, default: 8192, description: Kernel capture buffer per capture in KiB (tcpdump -B).}
  snaplen: {type: int, default: 65600, description: Longest frame a capture keeps (tcpdump -s).}
  parallel: {type: int, default: 16, description: Pairs run at the same time.}
  docker_socket: {type: path, default: /var/run/docker.sock, description: The engine's socket on this host.}
author: tcplab
"""

RETURN = r"""
by_capture: {description: "One result per capture (see module_utils/exchange.py), by <pair>/<scenario>.", type: dict, returned: always}
archive: {description: The pcaps packed for fetching, when this host is not the controller, else empty., type: str, returned: always}
"""

import concurrent.futures
import os
import shutil
import signal
import subprocess
import tarfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils import loss, tcpdump
from ansible_collections.tcplab.lab.plugins.module_utils.docker_api import DockerError, Engine
from ansible_collections.tcplab.lab.plugins.module_utils.exchange import (
    StepError, add_error, client_argv, client_deadline, last_line, listening, new_result, server_argv)
from ansible_collections.tcplab.lab.plugins.module_utils.files import own_like_folder, prune
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
        self.mark("running")
        try:
            self.exchange()
        except StepError as error:
            add_error(self.result, str(error))
        except (DockerError, OSError) as error:
            add_error(self.result, f"Docker host: {error}")
        finally:
            self.clean_up()
        self.mark("ok" if looks_ok(self.result) else "failed")
        return self.result

    def mark(self, state):
        """Leave the capture's state in the run folder, for the class view to count (controller only).

        The record on the controller has the last word; this is only what the run looks like now.
        """
        if self.pair["capture"]["local"]:
            progress = os.path.join(self.run["run_dir"], ".progress")
            os.makedirs(progress, exist_ok=True)
            own_like_folder(progress)
            marker = os.path.join(progress, f"{self.pair['name']}.{self.scenario['name']}")
            with open(marker, "w") as f:
                f.write(state + "\n")
            own_like_folder(marker)  # the record, as the user who runs the lab, removes it

    def container(self, role):
        name = self.pair[role]["container"]
        info = self.engine.container(name)
        if info is None:
            raise StepError(f"container {name} does not exist: set the class up first "
                            "(make lab ARGS=\"--tags lab_provision\")")
        if not info["State"].get("Running"):
            raise StepError(f"container {name} is not running ({info['State'].get('Status')}): set the "
                            "class up again (make lab ARGS=\"--tags lab_provision\")")
        return info

    def inside(self, info, argv):
        """argv as a process inside the container: in its mount, UTS, IPC, network and PID
        namespaces, with its root, working folder and environment - what `docker exec` does,
        without a runtime process per call. A session of its own, so it can be stopped whole."""
        return [self.nsenter, "--target", str(info["State"]["Pid"]), "--mount", "--uts", "--ipc", "--net",
                "--pid", "--root", "--wd", "--"] + list(argv)

    def exchange(self):
        port, p = self.scenario["port"], self.params
        if not self.nsenter:
            raise StepError("nsenter is not installed on this Docker host: install util-linux there")
        server_info, client_info = self.container("server"), self.container("client")
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
        self.server = Program(self.inside(server_info, server_argv(self.run, self.scenario)),
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

        client = Program(self.inside(client_info, client_argv(self.run, self.scenario, self.pair,
                                                              p["reply_timeout"])),
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


class Program:
    """A lab program running inside a container, its output in STEM.out and STEM.err."""

    def __init__(self, argv, env, stem):
        os.makedirs(os.path.dirname(stem), exist_ok=True)
        self.paths = (stem + ".out", stem + ".err")
        with open(self.paths[0], "wb") as out, open(self.paths[1], "wb") as err:
            self.process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                            start_new_session=True)
        self.returncode = None

    def poll(self):
        self.returncode = self.process.poll()
        return self.returncode

    def wait(self, timeout, stop=True):
        """True once it has ended; else (with stop) ends it - exactly its own process group."""
        try:
            self.returncode = self.process.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            if stop:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait()
            return False

    def output(self):
        texts = []
        for path in self.paths:
            with open(path, "rb") as f:
                texts.append(f.read().decode("utf-8", "replace"))
        return tuple(texts)

    def remove(self):
        for path in self.paths:
            if os.path.exists(path):
                os.unlink(path)


def environment(info):
    """The container's own environment, as `docker exec` gives it."""
    env = dict(item.split("=", 1) for item in info["Config"].get("Env") or [] if "=" in item)
    env.setdefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    return env


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


def pack(results, run):
    """The pcaps in one archive (members <pair>/<scenario>.pcap), for one fetch."""
    folder = os.path.join(run["spool"], run["lab_id"], run["run_id"])
    archive = os.path.join(folder, "captures.tar")
    with tarfile.open(archive + ".tmp", "w") as tar:
        for capture, result in sorted(results.items()):
            pcap = os.path.join(folder, capture + ".pcap")
            if result["capture"].get("sha256") and os.path.exists(pcap):
                tar.add(pcap, arcname=capture + ".pcap")
    os.replace(archive + ".tmp", archive)
    return archive


def main():
    module = AnsibleModule(
        argument_spec={
            "pairs": {"type": "list", "elements": "dict", "required": True},
            "scenarios": {"type": "list", "elements": "dict", "required": True},
            "todo": {"type": "dict", "required": True},
            "run": {"type": "dict", "required": True},
            "reply_timeout": {"type": "int", "default": 10},
            "listen_timeout": {"type": "float", "default": 10},
            "finish_timeout": {"type": "float", "default": 10},
            "capture_timeout": {"type": "float", "default": 10},
            "settle": {"type": "float", "default": 0.5},
            "buffer_kib": {"type": "int", "default": 8192},
            "snaplen": {"type": "int", "default": 65600},
            "parallel": {"type": "int", "default": 16},
            "docker_socket": {"type": "path", "default": "/var/run/docker.sock"},
        },
        supports_check_mode=False,
    )
    params = module.params
    nsenter = shutil.which("nsenter") or shutil.which("nsenter", path="/usr/bin:/usr/sbin:/bin:/sbin")
    nft = shutil.which("nft") or shutil.which("nft", path="/usr/sbin:/sbin")
    tools = {"engine": Engine(params["docker_socket"]), "nsenter": nsenter, "nft": nft,
             "tcpdump": tcpdump.version()}
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, params["parallel"])) as pool:
        for pair_results in pool.map(lambda pair: run_pair(params, pair, tools), params["pairs"]):
            results.update(pair_results)
    local = all(pair["capture"]["local"] for pair in params["pairs"])
    if local:
        prune(os.path.join(params["run"]["spool"], params["run"]["lab_id"], params["run"]["run_id"]))
    archive = "" if local or not results else pack(results, params["run"])
    module.exit_json(changed=bool(results), by_capture=results, archive=archive)


if __name__ == "__main__":
    main()
