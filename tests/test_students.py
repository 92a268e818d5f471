"""Students at the keyboard: each pair's login reaches its own lab and nothing else (minutes).

The lab machine is a container that runs sshd on 127.0.0.1:2297 in the host's network and PID
namespaces and reaches the engine's socket at a path only it has (as tests/test_remote_docker.py
does): a Docker host over SSH, where the lab makes the pairs' containers, bridges and logins. So
the accounts, sudo rule and sshd settings are real, and all of them live in that container: none
is ever made on this machine.

Pair s01 logs in with the key the roster gives it, pair s02 with the password the lab made (read
from the run's logins.csv); pair m01 is a pair on machines whose server and client are the lab
machine itself (captured on its loopback, where only its own traffic may be seen). s01 and m01
follow their hand-outs exactly - three logins, the server, tcpdump and the client, their
messages, exit, Ctrl+C - and copy their captures out with the hand-outs' scp commands;
`make grade` grades them complete. Then the same login tries what it must not, and each
attempt is refused with one clear line. A re-provision keeps s02's password, rotate changes it;
make clean removes every login (a warning counts the captures left), or keeps the folders.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shlex
import subprocess
import threading
import time
from pathlib import Path

import docker
import pytest
from lab_playbook import ROOT, ansible_playbook, sshd_image, teardown

DOCKER = docker.from_env()
PORT = 2297
LAB_ID = "tlstud"
HOST = "tcplab-pytest-students"
SOCKET = "/run/lab-pc-3/docker.sock"
FOLDERS = f"/var/lib/tcplab/students/{LAB_ID}"
TIMEOUT = 30
SCENARIOS = ("reqresp", "upcall")
# The course's scenarios on ports of this test's own: pair m01 serves on the host's loopback.
SCENARIO_SPECS = {
    "reqresp": {"port": 22970, "server": "reqresp/server.py", "client": "reqresp/client.py",
                "reply_format": "{message}", "handin": "tcp", "messages": ["hello"]},
    "upcall": {"port": 22971, "server": "upcall/server.py", "client": "upcall/client.py",
               "reply_format": "Upcall event: Processing {message}", "handin": "upcall",
               "messages": ["1"]},
}


def wait_for_ssh(port, timeout=60):
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                if sock.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"no SSH server on 127.0.0.1:{port}")


class Lab:
    """The lab machine, the inventory, and how a pair reaches its login."""

    def __init__(self, root: Path):
        self.root = root
        self.inventory = root / "inventory"
        self.captures = root / "captures"
        self.student_key = root / "s01_ed25519"
        self.known_hosts = root / "students_known_hosts"
        self.askpass = root / "askpass"
        self.host = None

    def playbook(self, name: str, *args: str, **variables: object) -> subprocess.CompletedProcess:
        result = ansible_playbook(name, *args, inventory=self.inventory,
                                  variables=variables or None)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
        return result

    def on_host(self, *argv: str) -> tuple[int, str]:
        done = self.host.exec_run(list(argv))
        return done.exit_code, done.output.decode(errors="replace")

    def run_dir(self, run: str) -> Path:
        return self.captures / run

    def password(self, run: str, user: str) -> str:
        with (self.run_dir(run) / "logins.csv").open(encoding="utf-8", newline="") as table:
            return next(row["password"] for row in csv.DictReader(table) if row["login"] == user)

    def options(self, password: str | None) -> list[str]:
        common = ["-o", f"UserKnownHostsFile={self.known_hosts}", "-o",
                  "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=10", "-o",
                  "LogLevel=ERROR"]
        if password is None:
            return common + ["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i",
                             str(self.student_key)]
        return common + ["-o", "PubkeyAuthentication=no", "-o",
                         "PreferredAuthentications=password,keyboard-interactive",
                         "-o", "NumberOfPasswordPrompts=1"]

    def environment(self, password: str | None) -> dict[str, str]:
        if password is None:
            return dict(os.environ)
        self.askpass.write_text(f"#!/bin/sh\nprintf '%s\\n' {shlex.quote(password)}\n")
        self.askpass.chmod(0o700)
        return {**os.environ, "SSH_ASKPASS": str(self.askpass), "SSH_ASKPASS_REQUIRE": "force"}

    def with_options(self, argv: list[str], password: str | None = None) -> list[str]:
        """A hand-out's ssh or scp command, with this test's key (or password) and known hosts."""
        return [argv[0], *self.options(password), *argv[1:]]

    def ssh(self, login: str, command: str, password: str | None = None,
            extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        """One command through a pair's login (ssh user@host 'command'), no terminal."""
        argv = ["ssh", *extra, *self.options(password), "-p", str(PORT), f"{login}@127.0.0.1",
                *([command] if command else [])]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60,
                              env=self.environment(password), stdin=subprocess.DEVNULL)


class Terminal:
    """An interactive ssh session with a terminal (ssh -tt), driven like a person types."""

    def __init__(self, argv: list[str], environment: dict[str, str] | None = None):
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env=environment)
        self.output = b""
        self.seen = 0
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while True:
            chunk = os.read(self.process.stdout.fileno(), 65536)
            with self.changed:
                if not chunk:
                    self.output += b"\n[closed]"
                    self.changed.notify_all()
                    return
                self.output += chunk
                self.changed.notify_all()

    def text(self) -> str:
        return self.output.decode(errors="replace")

    def expect(self, pattern: str, timeout: float = TIMEOUT) -> str:
        """Wait until `pattern` (a regex) shows after what was already expected; that match."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = re.compile(pattern).search(self.text(), self.seen)
                if found:
                    self.seen = found.end()
                    return found.group(0)
                left = deadline - time.monotonic()
                assert left > 0, f"no {pattern!r} in:\n{self.text()[-3000:]}"
                self.changed.wait(left)

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def close(self) -> int:
        if self.process.poll() is None:
            try:
                self.type("exit\n")
            except OSError:
                pass
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


def sh_blocks(markdown: str, heading: str) -> list[list[str]]:
    """The ``sh`` blocks of a hand-out's section whose heading starts with `heading`."""
    section = next(part for part in re.split(r"^## ", markdown, flags=re.MULTILINE)
                   if part.startswith(heading))
    return [shlex.split(block) for block in
            re.findall(r"^ *```sh\n *(.+)\n *```$", section, flags=re.MULTILINE)]


def passwd_lines(text: str) -> set[str]:
    return {line.split(":")[0] for line in text.splitlines() if line}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """A class of two pairs on a lab machine reached over SSH, provisioned with logins."""
    if os.geteuid() != 0:
        pytest.fail("this test drives a Docker engine and tcpdump, so it runs as root "
                    "(make test does)")
    root = tmp_path_factory.mktemp("students")
    lab = Lab(root)
    accounts_here = Path("/etc/passwd").read_text()
    image = sshd_image(root)
    teacher_key = root / "teacher_ed25519"
    for key in (teacher_key, lab.student_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    lab.host = DOCKER.containers.run(
        image, name=HOST, detach=True, network_mode="host", pid_mode="host",
        cap_add=["NET_RAW", "NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE"],
        environment={"AUTHORIZED_KEY": Path(f"{teacher_key}.pub").read_text().strip(),
                     "SSH_PORT": str(PORT), "SSH_LISTEN": "127.0.0.1"},
        volumes={"/var/run/docker.sock": {"bind": SOCKET, "mode": "rw"},
                 "/var/tmp/tcplab": {"bind": "/var/tmp/tcplab", "mode": "rw"}})
    try:
        wait_for_ssh(PORT)
        # The lab machine sees this machine's processes (its PID namespace): its accounts get
        # user ids no account here has, so ending a login's processes ends only the login's.
        lab.on_host("sed", "-i", "-e", "s/^UID_MIN.*/UID_MIN 52000/", "-e",
                    "s/^GID_MIN.*/GID_MIN 52000/", "/etc/login.defs")
        (lab.inventory / "group_vars/all").mkdir(parents=True)
        (lab.inventory / "hosts.yml").write_text(json.dumps({"all": {"children": {
            "lab_docker_hosts": {"hosts": {"lab-pc-3": {
                "ansible_host": "127.0.0.1", "ansible_port": PORT, "ansible_user": "root",
                "ansible_connection": "ansible.builtin.ssh",
                "ansible_ssh_private_key_file": str(teacher_key), "lab_docker_socket": SOCKET,
                "lab_student_address": "127.0.0.1", "lab_student_port": PORT}}}}}}))
        (lab.inventory / "group_vars/all/class.yml").write_text(json.dumps({
            "lab_id": LAB_ID, "lab_network_pool": "10.229.0.0/16",
            "lab_captures_dir": str(lab.captures), "lab_known_hosts": str(root / "known_hosts"),
            "lab_messages_seed": "kelas-s 2026", "lab_student_access": True,
            "lab_scenarios": SCENARIO_SPECS,
            "lab_roster": [
                {"name": "s01", "docker_host": "lab-pc-3",
                 "ssh_keys": [Path(f"{lab.student_key}.pub").read_text().strip()]},
                {"name": "s02", "docker_host": "lab-pc-3"},
                {"name": "m01", "server": "lab-pc-3", "client": "lab-pc-3",
                 "ssh_keys": [Path(f"{lab.student_key}.pub").read_text().strip()]}]}))
        lab.provisioned = lab.playbook("lab.yml", "--tags", "lab_provision", lab_run_id="first")
        wait_for_ssh(PORT)
        yield lab
    finally:
        try:
            teardown(inventory=lab.inventory)
        finally:
            lab.host.remove(force=True)
        assert Path("/etc/passwd").read_text() == accounts_here  # no account here, ever


def plan_of(lab: Lab, run: str = "first") -> dict:
    return json.loads((lab.run_dir(run) / "plan.json").read_text())


def test_the_teacher_alone_has_the_passwords(lab: Lab) -> None:
    run = lab.run_dir("first")
    password = lab.password("first", "tlstud-s02")
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    assert (run / "logins.csv").stat().st_mode & 0o777 == 0o600
    assert run.stat().st_mode & 0o777 == 0o700 and lab.captures.stat().st_mode & 0o777 == 0o700
    with (run / "logins.csv").open(encoding="utf-8", newline="") as table:
        rows = list(csv.DictReader(table))
    assert [(r["pair"], r["login"], r["ssh"], r["scp"]) for r in rows] == [
        ("s01", "tlstud-s01", f"ssh -p {PORT} tlstud-s01@127.0.0.1",
         f"scp -P {PORT} tlstud-s01@127.0.0.1:FILE ."),
        ("s02", "tlstud-s02", f"ssh -p {PORT} tlstud-s02@127.0.0.1",
         f"scp -P {PORT} tlstud-s02@127.0.0.1:FILE ."),
        ("m01", "tlstud-m01", f"ssh -p {PORT} tlstud-m01@127.0.0.1",
         f"scp -P {PORT} tlstud-m01@127.0.0.1:FILE .")]
    assert rows[0]["password"] == rows[2]["password"] == ""  # s01 and m01 log in with their key
    written = [run / "plan.json", run / "ansible.log", *(run / "handout").iterdir()]
    for path in written:
        assert password not in path.read_text(encoding="utf-8"), path
    assert password not in lab.provisioned.stdout + lab.provisioned.stderr
    sheet = (run / "handout" / "s02.md").read_text(encoding="utf-8")
    assert "Your teacher gives you your password." in sheet


def follow_the_handout(lab: Lab, pair: str, listening: str) -> str:
    """Do what pair `pair`'s hand-out says, scenario after scenario, in three logins; its text."""
    plan = plan_of(lab)
    user = f"tlstud-{pair}"
    sheet = (lab.run_dir("first") / "handout" / f"{pair}.md").read_text(encoding="utf-8")
    (login,) = sh_blocks(sheet, "Your login")
    assert login == ["ssh", "-p", str(PORT), f"{user}@127.0.0.1"]
    assert "Log in with the SSH key you gave your teacher." in sheet
    messages = next(p for p in plan["pairs"] if p["name"] == pair)["messages"]
    session = lab.with_options(["ssh", "-tt", *login[1:]])
    prompt = rf"{user}@\S+\$ "
    for scenario in SCENARIOS:
        server, tcpdump, client = sh_blocks(sheet, f"`{scenario}` ")
        terminals = [Terminal(session) for _ in range(3)]
        try:
            for terminal in terminals:
                terminal.expect(prompt)
            first, second, third = terminals
            first.type(shlex.join(server) + "\n")
            first.expect("Server listening on")
            second.type(shlex.join(tcpdump) + "\n")
            second.expect(f"listening on {listening}")
            third.type(shlex.join(client) + "\n")
            third.expect("Connected to")
            for message in messages[scenario]:
                third.expect(r"Enter message \(exit to quit\): ")
                third.type(message + "\n")
                third.expect("Received (upcall )?from server: ")
            third.expect(r"Enter message \(exit to quit\): ")
            third.type("exit\n")
            first.expect("Client closed the connection")
            first.expect(prompt)
            third.expect(prompt)
            time.sleep(2)  # as a person does, a moment after the server stopped
            second.type("\x03")
            second.expect(r"\d+ packets captured")
            second.expect(prompt)
        finally:
            statuses = [terminal.close() for terminal in terminals]
        assert statuses == [0, 0, 0], [t.text()[-2000:] for t in terminals]
    return sheet


def copy_out_and_grade(lab: Lab, pair: str, sheet: str) -> list[tuple[str, ...]]:
    """Copy the pair's captures out with its hand-out's scp commands and grade them."""
    submissions = lab.root / f"submissions-{pair}"
    submissions.mkdir()
    copies = sh_blocks(sheet, "Hand in")
    assert copies == [["scp", "-P", str(PORT), f"tlstud-{pair}@127.0.0.1:{pair}-{name}.pcap", "."]
                      for name in ("tcp", "upcall")]
    for copy in copies:
        done = subprocess.run(lab.with_options(copy), cwd=submissions, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    graded = subprocess.run(["make", "grade", f"DIR={submissions}",
                             f"PLAN={lab.run_dir('first') / 'plan.json'}"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-2000:]
    # The grading is written beside the hand-ins, never into them.
    with (lab.root / f"submissions-{pair}-graded" / "grades.csv").open(encoding="utf-8",
                                                                       newline="") as table:
        return [(r["pair"], r["scenario"], r["verdict"], r["answered"], Path(r["pcap"]).name)
                for r in csv.DictReader(table) if r["pair"] == pair]


def test_a_pair_follows_its_handout_and_its_captures_grade_complete(lab: Lab) -> None:
    sheet = follow_the_handout(lab, "s01", "tlstud-001")
    for scenario, file in zip(SCENARIOS, ("tcp", "upcall")):
        server, tcpdump, _ = sh_blocks(sheet, f"`{scenario}` ")
        assert server[:4] == ["docker", "exec", "-it", "tlstud-s01-server"]
        assert tcpdump == ["tcpdump", "-i", "tlstud-001", "-w", f"s01-{file}.pcap"]
    # The captures are in the pair's folder, its own (tcpdump dropped to the pair's user).
    code, listing = lab.on_host("stat", "-c", "%U %a %n", f"{FOLDERS}/s01",
                                f"{FOLDERS}/s01/s01-tcp.pcap", f"{FOLDERS}/s01/s01-upcall.pcap")
    assert code == 0 and listing.split("\n")[:3] == [
        f"tlstud-s01 700 {FOLDERS}/s01", f"tlstud-s01 600 {FOLDERS}/s01/s01-tcp.pcap",
        f"tlstud-s01 600 {FOLDERS}/s01/s01-upcall.pcap"], listing
    assert copy_out_and_grade(lab, "s01", sheet) == [
        ("s01", "reqresp", "complete", "3/3", "s01-tcp.pcap"),
        ("s01", "upcall", "complete", "3/3", "s01-upcall.pcap")]


def test_a_pair_on_machines_follows_its_handout_and_sees_only_its_own_traffic(lab: Lab) -> None:
    sheet = follow_the_handout(lab, "m01", "lo")
    server, tcpdump, client = sh_blocks(sheet, "`reqresp` ")
    assert server == ["python3", "/opt/tcplab/reqresp/server.py", "--port", "22970"]
    assert tcpdump[:5] == ["tcpdump", "-i", "lo", "-w", "m01-tcp.pcap"]
    assert client[:4] == ["python3", "/opt/tcplab/reqresp/client.py", "--host", "127.0.0.1"]
    assert copy_out_and_grade(lab, "m01", sheet) == [
        ("m01", "reqresp", "complete", "3/3", "m01-tcp.pcap"),
        ("m01", "upcall", "complete", "3/3", "m01-upcall.pcap")]
    # Its capture of the shared loopback keeps to its own conversation: the SSH sessions that
    # cross the loopback meanwhile (this one too) are not in it.
    terminal = Terminal(lab.with_options(["ssh", "-tt", "-p", str(PORT), "tlstud-m01@127.0.0.1"]))
    try:
        terminal.expect(r"tlstud-m01@\S+\$ ")
        terminal.type("tcpdump -i lo -w m01-all.pcap\n")
        terminal.expect("listening on lo")
        for _ in range(3):
            assert lab.ssh("tlstud-m01", "ls").returncode == 0
        terminal.type("\x03")
        terminal.expect(r"(\n|\^C)0 packets captured")
        terminal.expect(r"\n0 packets received by filter")
        terminal.expect(r"tlstud-m01@\S+\$ ")
    finally:
        assert terminal.close() == 0
    for command, refusal in [
            ("python3 -c 'print(1)'", "refused: this login runs the lab programs here: "
                                      "/opt/tcplab/reqresp/server.py"),
            ("python3 /opt/tcplab/reqresp/client.py --host 10.229.1.2 hi",
             "refused: your client talks to your own server, 127.0.0.1, not 10.229.1.2"),
            ("docker exec -it tlstud-s01-server bash",
             "refused: docker is not available from this login")]:
        done = lab.ssh("tlstud-m01", command)
        assert done.returncode != 0 and done.stderr.startswith(refusal), done.stderr


def test_docker_exec_without_a_terminal_pipes_both_ways(lab: Lab) -> None:
    done = subprocess.run(["ssh", *lab.options(None), "-p", str(PORT), "tlstud-s01@127.0.0.1",
                           "docker exec -i tlstud-s01-client cat"], input="halo\napa kabar?\n",
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "halo\napa kabar?\n", "")
    done = lab.ssh("tlstud-s01",
                   "docker exec tlstud-s01-server sh -c 'echo out; echo err >&2; exit 3'")
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")
    done = lab.ssh("tlstud-s01", "docker exec -t tlstud-s01-server true")
    assert done.stderr.startswith("refused: the input device is not a TTY: log in with ssh -t")


@pytest.mark.parametrize("command,refusal", [
    ("docker exec -it tlstud-s02-server bash",
     "refused: tlstud-s02-server is not one of your containers; yours: tlstud-s01-server, "
     "tlstud-s01-client"),
    ("tcpdump -i tlstud-002 -w s01-tcp.pcap",
     "refused: tcpdump captures only on tlstud-001, not on tlstud-002"),
    ("tcpdump -i any", "refused: tcpdump captures only on tlstud-001, not on any"),
    ("tcpdump -i lo", "refused: tcpdump captures only on tlstud-001, not on lo"),
    (f"ls {FOLDERS}/s02",
     f"refused: you can read only your own folder {FOLDERS}/s01, not {FOLDERS}/s02"),
    ("tcpdump -r ../s02/s02-tcp.pcap", "refused: tcpdump -r is not available from this login"),
    ("docker ps", "refused: this login runs only docker exec in your own containers "
                  "(tlstud-s01-server, tlstud-s01-client), not docker ps"),
    ("docker stop tlstud-s01-server", "refused: this login runs only docker exec in your own "
                                      "containers (tlstud-s01-server, tlstud-s01-client), not "
                                      "docker stop tlstud-s01-server"),
    ("docker exec --privileged tlstud-s01-server bash",
     "refused: docker exec --privileged is not available from this login"),
    ("sudo -i", "refused: sudo -i is not available from this login: it never becomes root"),
    ("tcpdump -i tlstud-001 -w /tmp/x.pcap",
     f"refused: tcpdump writes only into your folder {FOLDERS}/s01: give a file name such as "
     "s01-tcp.pcap, not /tmp/x.pcap"),
    ("tcpdump -i tlstud-001 -w ../s02/s02-tcp.pcap",
     f"refused: tcpdump writes only into your folder {FOLDERS}/s01"),
    ("cat /etc/passwd", "refused: cat is not available from this login"),
    ("bash -i", "refused: bash is not available from this login"),
])
def test_anything_else_is_refused_with_one_clear_line(lab: Lab, command: str,
                                                      refusal: str) -> None:
    done = lab.ssh("tlstud-s01", command)
    assert done.returncode != 0
    assert done.stderr.startswith(refusal), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_sudo_at_the_prompt_is_refused_and_the_login_stays(lab: Lab) -> None:
    terminal = Terminal(lab.with_options(["ssh", "-tt", "-p", str(PORT), "tlstud-s01@127.0.0.1"]))
    try:
        terminal.expect(r"tlstud-s01@\S+\$ ")
        terminal.type("sudo -i\n")
        terminal.expect("refused: sudo -i is not available from this login: it never becomes root")
        terminal.type("id\n")
        terminal.expect("refused: id is not available from this login")
        terminal.type("ip a\n")
        terminal.expect(r"tlstud-001: <[^>]*> .*\n(.*\n)*?\s+inet 10\.229\.1\.1/24")
        terminal.expect(r"tlstud-s01@\S+\$ ")
    finally:
        assert terminal.close() == 0


def test_copies_come_only_out_of_the_own_folder(lab: Lab) -> None:
    target = lab.root / "copied"
    target.mkdir()
    other = f"{FOLDERS}/s02/s02-tcp.pcap"
    for protocol in ([], ["-O"]):  # SFTP (scp's default), and the classic scp protocol
        done = subprocess.run(lab.with_options(["scp", *protocol, "-P", str(PORT),
                                                f"tlstud-s01@127.0.0.1:{other}", "."]),
                              cwd=target, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and list(target.iterdir()) == []
        # Over SFTP scp words it itself: to this login, nothing outside its folder exists.
        said = (f"scp: {other}: No such file or directory" if not protocol else
                f"refused: you can read only your own folder {FOLDERS}/s01, not {other}")
        assert said in done.stderr, done.stderr
        upload = subprocess.run(lab.with_options(["scp", *protocol, "-P", str(PORT),
                                                  str(lab.askpass.parent / "teacher_ed25519.pub"),
                                                  "tlstud-s01@127.0.0.1:/tmp/"]),
                                capture_output=True, text=True, timeout=60)
        assert upload.returncode != 0
    code, _ = lab.on_host("test", "-e", "/tmp/teacher_ed25519.pub")
    assert code == 1


def test_no_forwarding_reaches_another_pair_or_anything_else(lab: Lab) -> None:
    # The lab machine's own sshd listens there: a forwarding login would reach it (and so any
    # pair's server, any bridge). sshd refuses the channel itself.
    done = lab.ssh("tlstud-s01", "", extra=("-o", "LogLevel=INFO", "-W", f"127.0.0.1:{PORT}"))
    assert done.returncode != 0
    assert "administratively prohibited" in done.stderr, done.stderr


def test_a_password_login_works_and_a_reprovision_keeps_it_unless_rotated(lab: Lab) -> None:
    password = lab.password("first", "tlstud-s02")
    done = lab.ssh("tlstud-s02", "help", password=password)
    assert done.returncode == 0, done.stderr
    assert "docker exec -it tlstud-s02-server COMMAND   (your server container)" in done.stdout
    assert lab.ssh("tlstud-s02", "help", password="wrong-pass-word").returncode != 0

    again = lab.playbook("lab.yml", "--tags", "lab_students", lab_run_id="again")
    assert lab.password("again", "tlstud-s02") == password
    assert re.search(r"TASK \[tcplab.lab.lab_students : Make every login of this machine[^\n]*\n"
                     r"ok: \[lab-pc-3\]", again.stdout), again.stdout[-3000:]  # nothing to change
    assert lab.ssh("tlstud-s02", "ls", password=password).returncode == 0

    lab.playbook("lab.yml", "--tags", "lab_students", lab_run_id="rotated",
                 lab_student_rotate=True)
    wait_for_ssh(PORT)
    rotated = lab.password("rotated", "tlstud-s02")
    assert rotated != password
    assert lab.ssh("tlstud-s02", "ls", password=rotated).returncode == 0
    assert lab.ssh("tlstud-s02", "ls", password=password).returncode != 0


def test_make_clean_removes_every_login_or_keeps_the_folders(lab: Lab) -> None:
    kept = lab.playbook("tcplab.lab.teardown", lab_student_keep_folders=True)
    said = " ".join((kept.stdout + kept.stderr).split())
    assert "kept the folders of 3 login(s) on lab-pc-3 (root's now)" in said
    code, users = lab.on_host("getent", "passwd", "tlstud-s01", "tlstud-s02", "tlstud-m01")
    assert (code, users) == (2, "")
    code, owners = lab.on_host("stat", "-c", "%U %a", f"{FOLDERS}/s01/s01-tcp.pcap",
                               f"{FOLDERS}/s01")
    assert owners.split() == ["root", "600", "root", "700"]
    for path in ("/etc/sudoers.d/tcplab-tlstud", "/etc/ssh/sshd_config.d/tcplab-tlstud.conf",
                 "/etc/tcplab", "/usr/local/lib/tcplab/tcplab-student"):
        assert lab.on_host("test", "-e", path)[0] == 1, path
    assert lab.ssh("tlstud-s01", "help").returncode != 0

    # Set up again (the kept folder is the pair's again), then make clean as it comes.
    lab.playbook("lab.yml", "--tags", "lab_students", lab_run_id="again2")
    code, owner = lab.on_host("stat", "-c", "%U", f"{FOLDERS}/s01/s01-tcp.pcap")
    assert owner.strip() == "tlstud-s01"
    cleaned = lab.playbook("tcplab.lab.teardown")
    said = " ".join((cleaned.stdout + cleaned.stderr).split())
    assert ("removed 5 capture(s) still in the pairs' folders on lab-pc-3 (tlstud-m01 3, "
            "tlstud-s01 2); set lab_student_keep_folders: true to keep the folders") in said
    code, users = lab.on_host("sh", "-c", "getent passwd | grep -c tlstud- || true")
    assert users.strip() == "0"
    assert lab.on_host("test", "-e", FOLDERS)[0] == 1
    assert lab.ssh("tlstud-s01", "help").returncode != 0
