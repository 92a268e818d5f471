"""The lab on a rootful Podman host, through Podman's Docker-compatible socket (a minute).

The test starts Podman's API service from Debian's podman package on a socket of its own, with
its storage, run state and network configuration in a temporary folder, beside the running
Docker Engine. The lab image is imported into it by the lab's own import (the root filesystem of
Docker's lab image; the same import is checked on the Docker Engine, into an image of its own),
then the lab runs as on a Docker host: provision, exchange, captures on the
pairs' bridges, teardown. Docker's networks and firewall rules are compared before and after;
the service is stopped, its folder removed and the firewall rules netavark leaves behind (its
chains, the isolation rules of the bridges it made) removed at the end.
"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import docker
import pytest
from lab_playbook import BIN, ROOT, ansible_playbook

LAB = {"lab_id": "tcplab-podman", "lab_network_pool": "10.226.0.0/16", "lab_class_size": 2}
IMAGE = "tcplab/debian-python3:bookworm"
LABEL = f"org.tcplab.lab={LAB['lab_id']}"


def firewall():
    """Netavark's rules and chains in the filter and nat tables, as `iptables -S` prints them."""
    printed = {table: subprocess.run(["iptables", "-t", table, "-S"], capture_output=True,
                                     text=True, check=True).stdout for table in ("filter", "nat")}
    return {table: [line for line in text.splitlines() if "NETAVARK" in line]
            for table, text in printed.items()}


def remove_added(before):
    """Remove netavark's rules and chains added since `before` (it leaves them behind)."""
    for table, lines in firewall().items():
        added = [line for line in lines if line not in before[table]]
        for line in reversed([line for line in added if line.startswith("-A ")]):
            subprocess.run(["iptables", "-t", table, "-D", *shlex.split(line)[1:]], check=True)
        for line in [line for line in added if line.startswith("-N ")]:
            subprocess.run(["iptables", "-t", table, "-X", line.split()[1]], check=True)


def docker_rules():
    """Docker's own firewall rules (its chains and its jumps), as iptables prints them."""
    printed = subprocess.run(["iptables", "-S"], capture_output=True, text=True, check=True).stdout
    return sorted(line for line in printed.splitlines()
                  if "DOCKER" in line or line.startswith("-P "))


def start_service(folder, settings=None):
    """Podman's API service on folder/podman.sock, everything it keeps under folder."""
    socket_path = folder / "podman.sock"
    command = ["podman", "--root", str(folder / "storage"), "--runroot", str(folder / "run"),
               "--tmpdir", str(folder / "libpod"),
               "--network-config-dir", str(folder / "networks"),
               "--cgroup-manager", "cgroupfs", "--events-backend", "file",
               "system", "service", "--time", "0", f"unix://{socket_path}"]
    environment = {**os.environ, **({"CONTAINERS_CONF": str(settings)} if settings else {})}
    with open(folder / "service.log", "ab") as log:
        service = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment,
                                   start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if socket_path.exists():
            try:
                docker.DockerClient(base_url=f"unix://{socket_path}").version()
                return service, socket_path
            except docker.errors.DockerException:
                pass
        if service.poll() is not None:
            break
        time.sleep(0.2)
    service.kill()
    raise AssertionError("podman system service did not answer: "
                         + (folder / "service.log").read_text())


def own_limits(service):
    """The service's own open files and processes limits (hard), as its containers.conf wants them.

    Rootful Podman raises a container's open files and processes limits (to 1048576 and more)
    unless containers.conf says otherwise; where root may not raise its limits (no
    CAP_SYS_RESOURCE, as on this CI machine) every container start then fails. The limits the
    service itself runs with are ones it can always give.
    """
    limits = {}
    for line in Path(f"/proc/{service.pid}/limits").read_text().splitlines():
        for name, title in (("nofile", "Max open files"), ("nproc", "Max processes")):
            if line.startswith(title) and line.split()[-2].isdigit():
                limits[name] = int(line.split()[-2])
    return "[containers]\ndefault_ulimits = [{}]\n".format(
        ", ".join(f'"{name}={value}:{value}"' for name, value in limits.items()))


def stop_service(service, folder, remove=True):
    """Stop the service; remove its folder (unmounting what its storage left mounted)."""
    os.killpg(service.pid, signal.SIGTERM)
    try:
        service.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(service.pid, signal.SIGKILL)
        service.wait()
    if not remove:
        (folder / "podman.sock").unlink(missing_ok=True)
        return
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(str(folder))), reverse=True):
        subprocess.run(["umount", "--lazy", mount], check=False)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def podman():
    """A running rootful Podman service of the test's own: (socket path, Docker SDK client)."""
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed (make setup-test installs Debian's podman)")
    folder = Path(tempfile.mkdtemp(prefix="tcplab-podman-"))
    rules = firewall()
    service, _ = start_service(folder)
    settings = folder / "containers.conf"
    settings.write_text(own_limits(service))
    stop_service(service, folder, remove=False)
    service, socket_path = start_service(folder, settings)
    try:
        yield socket_path, docker.DockerClient(base_url=f"unix://{socket_path}")
    finally:
        stop_service(service, folder)
        remove_added(rules)
        assert firewall() == rules


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory):
    """The root filesystem of Docker's lab image, as a tar (what the lab's build makes)."""
    engine = docker.from_env()
    if not engine.images.list(name=IMAGE):
        result = ansible_playbook("lab.yml", "--tags", "lab_image")
        assert result.returncode == 0, result.stdout[-4000:]
    container = engine.containers.create(IMAGE, ["true"])
    path = tmp_path_factory.mktemp("rootfs") / "rootfs.tar"
    try:
        with open(path, "wb") as archive:
            for chunk in container.export():
                archive.write(chunk)
    finally:
        container.remove()
    return path


def import_image(rootfs, name, socket_path):
    """Import `rootfs` as image `name` with the lab's own module, as the image step does."""
    arguments = {"name": name, "rootfs": str(rootfs), "docker_socket": str(socket_path),
                 "changes": ['CMD ["sleep", "infinity"]', "LABEL org.tcplab.image=built-offline"]}
    command = [str(BIN / "ansible"), "localhost", "-m", "tcplab.lab.docker_image",
               "-a", json.dumps(arguments)]
    imported = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")})
    assert imported.returncode == 0, imported.stdout + imported.stderr


def test_the_image_step_imports_through_the_docker_engines_socket_too(rootfs):
    engine, name = docker.from_env(), "tcplab/import-check:pytest"
    try:
        import_image(rootfs, name, "/var/run/docker.sock")
        image = engine.images.get(name)
        assert image.labels.get("org.tcplab.image") == "built-offline"
        assert image.attrs["Config"]["Cmd"] == ["sleep", "infinity"]
    finally:
        if engine.images.list(name=name):
            engine.images.remove(name)


def test_the_lab_runs_on_podman_beside_docker(podman, rootfs, tmp_path):
    socket_path, client = podman
    networks_before = sorted(n.name for n in docker.from_env().networks.list())
    rules_before = docker_rules()
    variables = {**LAB, "lab_docker_socket": str(socket_path), "lab_run_id": "on-podman",
                 "lab_captures_dir": str(tmp_path / "captures")}

    # The lab's own import (the image step's, through the lab's socket) puts the image in Podman.
    import_image(rootfs, IMAGE, socket_path)
    image = client.images.get(IMAGE)
    assert image.labels.get("org.tcplab.image") == "built-offline"
    assert image.attrs["Config"]["Cmd"] == ["sleep", "infinity"]

    try:
        result = ansible_playbook("lab.yml", variables=variables)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        run = tmp_path / "captures" / "on-podman"
        manifest = json.loads((run / "manifest.json").read_text())
        assert {(c["pair"], c["scenario"], c["status"]) for c in manifest["captures"]} == {
            (pair, scenario, "ok") for pair in ("p01", "p02") for scenario in ("reqresp", "upcall")}
        # Captured on each pair's bridge: Podman's bridge, named as the plan says, on this host.
        plan = json.loads((run / "plan.json").read_text())
        for pair in plan["pairs"]:
            bridge = pair["network"]["bridge"]
            interfaces = {c["capture"]["interface"] for c in manifest["captures"]
                          if c["pair"] == pair["name"]}
            assert interfaces == {bridge}
            assert Path("/sys/class/net", bridge, "bridge").is_dir(), bridge
            network = client.networks.get(pair["network"]["name"])
            assert network.attrs["IPAM"]["Config"][0]["Subnet"] == pair["network"]["subnet"]
        # The containers are Podman's, and none of them is Docker's.
        assert len(client.containers.list(filters={"label": LABEL})) == 4
        assert not docker.from_env().containers.list(all=True, filters={"label": LABEL})
        # A second run on the class as it is changes nothing of it: what matches the plan stays.
        ids = sorted(c.id for c in client.containers.list(filters={"label": LABEL}))
        again = ansible_playbook("lab.yml", "--tags", "lab_provision", variables=variables)
        assert again.returncode == 0, again.stdout[-4000:]
        assert sorted(c.id for c in client.containers.list(filters={"label": LABEL})) == ids
    finally:
        down = ansible_playbook("tcplab.lab.teardown", variables={
            "lab_id": LAB["lab_id"], "lab_docker_socket": str(socket_path)})
    assert down.returncode == 0, down.stdout[-4000:]
    assert not client.containers.list(all=True, filters={"label": LABEL})
    assert not client.networks.list(filters={"label": LABEL})
    assert not [p for p in plan["pairs"] if Path("/sys/class/net", p["network"]["bridge"]).exists()]
    # Docker's networks and firewall rules are as they were.
    assert sorted(n.name for n in docker.from_env().networks.list()) == networks_before
    assert docker_rules() == rules_before
