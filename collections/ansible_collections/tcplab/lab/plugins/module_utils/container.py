"""A lab program run inside a container the way `docker exec` runs it - in the container's
namespaces, root and environment - but entered directly with nsenter, which costs a few
milliseconds where a runtime exec costs a tenth of a core-second (module docker_exchange).
"""

import os
import signal
import subprocess

from ansible_collections.tcplab.lab.plugins.module_utils.exchange import StepError


def running(engine, name):
    """The engine's inspect of container `name`, which must be running; else StepError."""
    info = engine.container(name)
    if info is None:
        raise StepError(f"container {name} does not exist: set the class up first "
                        "(make lab ARGS=\"--tags lab_provision\")")
    if not info["State"].get("Running"):
        raise StepError(f"container {name} is not running ({info['State'].get('Status')}): set the "
                        "class up again (make lab ARGS=\"--tags lab_provision\")")
    return info


def inside(nsenter, info, argv):
    """argv as a process inside the container `info` (the engine's inspect): in its mount, UTS, IPC,
    network and PID namespaces, with its root and working folder - what `docker exec` does, without
    a runtime process per call."""
    return [nsenter, "--target", str(info["State"]["Pid"]), "--mount", "--uts", "--ipc", "--net",
            "--pid", "--root", "--wd", "--"] + list(argv)


class Program:
    """A lab program running inside a container, its output in STEM.out and STEM.err; a session of
    its own, so it can be stopped whole."""

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
