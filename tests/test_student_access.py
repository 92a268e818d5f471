"""Students' logins without a lab machine: the plan's logins, the hand-out's login section, the
login program's checks and its read-only SFTP server (driven by OpenSSH's own sftp client), and
the sudo rule as visudo reads it.

What these checks guard is shown end to end, through real SSH, in tests/test_students.py.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.tcplab.lab.plugins.module_utils import login_texts
from tcplab.planning import PlanError, build_plan

from tcplab.handout import write_handout

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "collections/ansible_collections/tcplab/lab/roles/lab_students" / "files" / "tcplab-student"
SCENARIOS = {
    "reqresp": {"port": 2222, "server": "reqresp/server.py", "client": "reqresp/client.py",
                "reply_format": "{message}", "handin": "tcp", "messages": ["hello"]},
    "upcall": {"port": 4141, "server": "upcall/server.py", "client": "upcall/client.py",
               "reply_format": "Upcall event: Processing {message}", "handin": "upcall",
               "messages": ["1"]},
}
HOSTS = {"localhost": {"ansible_connection": "local"}, "vm01": {"ansible_host": "192.0.2.11"},
         "vm02": {"ansible_host": "192.0.2.12", "lab_student_address": "vm02.lab.example",
                  "lab_student_port": "2022"},
         "hv": {"ansible_host": "192.0.2.1"}}
KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl "
       "ani@laptop")


def login_program():
    """The login program (a script without .py), loaded as a module."""
    loader = importlib.machinery.SourceFileLoader("tcplab_student", str(PROGRAM))
    spec = importlib.util.spec_from_loader("tcplab_student", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


LOGIN = login_program()


def plan(**changes):
    settings = {"lab_id": "tcplab", "lab_run_id": "r1", "lab_class_size": 0,
                "lab_roster": [{"name": "ani-budi", "ssh_keys": [KEY]}, {"name": "citra"},
                               {"name": "vm-pair", "server": "vm01", "client": "vm02"}],
                "lab_run_scenarios": ["reqresp", "upcall"], "lab_scenarios": SCENARIOS,
                "lab_messages": {}, "lab_captures_dir": "/c", "lab_programs_dir": "",
                "lab_image_name": "img", "lab_network_pool": "10.213.0.0/16",
                "lab_network_prefix": 24, "lab_capture_host": "hv", "lab_remote_dir": "/opt/tcplab",
                "lab_spool": "/var/tmp/tcplab", "lab_student_access": True,
                "controller_address": "lab-pc-1", **changes}
    return build_plan(settings, {"hosts": HOSTS})


def error(**changes):
    with pytest.raises(PlanError) as raised:
        plan(**changes)
    return str(raised.value)


# --- the plan -----------------------------------------------------------------------------------

def test_without_student_access_no_pair_has_a_login():
    result = plan(lab_student_access=False)
    assert result["logins"] is None
    assert [pair["login"] for pair in result["pairs"]] == [None, None, None]
    assert plan(lab_student_access="false")["logins"] is None


def test_a_pair_on_containers_gets_a_login_on_its_docker_host():
    result = plan(lab_student_access="true")
    assert result["logins"] == {"prefix": "tcplab-", "folders": "/var/lib/tcplab/students/tcplab",
                                  "hosts": ["localhost", "vm01", "vm02", "hv"]}
    ani, citra, _ = result["pairs"]
    assert ani["login"] == {
        "pair": "ani-budi", "user": "tcplab-ani-budi",
        "folder": "/var/lib/tcplab/students/tcplab/ani-budi", "auth": "key", "keys": [KEY],
        "hosts": [{"host": "localhost", "address": "lab-pc-1", "port": 22,
                   "containers": ["tcplab-ani-budi-server", "tcplab-ani-budi-client"],
                   "capture": {"interface": "tcplab-001", "peer": "10.213.1.2", "filter": ""},
                   "programs": []}]}
    assert (citra["login"]["auth"], citra["login"]["keys"]) == ("password", [])


def test_a_pair_on_machines_gets_a_login_where_it_serves_talks_and_captures():
    login = plan()["pairs"][2]["login"]
    assert login["user"] == "tcplab-vm-pair"
    server, client, capture = login["hosts"]
    assert server == {"host": "vm01", "address": "192.0.2.11", "port": 22, "containers": [],
                      "capture": None, "programs": [
                          {"role": "server", "path": "/opt/tcplab/reqresp/server.py", "port": 2222},
                          {"role": "server", "path": "/opt/tcplab/upcall/server.py", "port": 4141}]}
    assert (client["host"], client["address"], client["port"]) == ("vm02", "vm02.lab.example", 2022)
    assert client["programs"][0] == {"role": "client", "path": "/opt/tcplab/reqresp/client.py",
                                     "port": 2222, "server": "192.0.2.11"}
    assert capture["host"] == "hv" and capture["programs"] == []
    assert capture["capture"] == {
        "interface": "", "peer": "192.0.2.11",
        "filter": "tcp and host 192.0.2.12 and ((src host 192.0.2.11 and (src port 2222 or src port 4141)) "
                  "or (dst host 192.0.2.11 and (dst port 2222 or dst port 4141)))"}


@pytest.mark.parametrize("changes,expected", [
    ({"lab_student_access": "maybe"}, "lab_student_access 'maybe': write true or false."),
    ({"lab_student_prefix": "Tcp_"}, "lab_student_prefix 'Tcp_': use 1 to 16 lower-case letters"),
    ({"lab_student_folders": "var/lib"}, "lab_student_folders 'var/lib': give an absolute path"),
    ({"lab_student_folders": "/srv/../etc"}, "lab_student_folders '/srv/../etc': give an absolute"),
    ({"lab_roster": [{"name": "a" * 26}]},
     f"Pair {'a' * 26!r}: its login 'tcplab-{'a' * 26}' has 33 characters, a user name at most 32"),
    ({"lab_roster": [{"name": "ani", "ssh_keys": ["AAAAC3Nza ani@laptop"]}]},
     "Pair 'ani': ssh_keys 'AAAAC3Nza ani@laptop' is not a public key line"),
    ({"lab_roster": [{"name": "ani", "ssh_keys": ['command="sh" ' + KEY]}]},
     "Pair 'ani': ssh_keys 'command=\"sh\" ssh-ed25519 AAAAC3NzaC1lZDI'... is not a public key"),
    ({"lab_roster": [{"name": "ani", "ssh_keys": ["ssh-rsa " + KEY.split()[1]]}]},
     "Pair 'ani': ssh_keys 'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkV'... is not a public key"),
    ({"lab_roster": [{"name": "ani", "ssh_keys": {"key": KEY}}]},
     "Pair 'ani': ssh_keys {'key':"),
])
def test_a_bad_login_setting_is_one_line_naming_it(changes, expected):
    assert error(**changes).startswith(expected)


def test_a_roster_key_is_checked_even_without_student_access_and_a_single_line_counts():
    assert error(lab_student_access=False, lab_roster=[{"name": "a", "ssh_keys": ["x"]}]) \
        .startswith("Pair 'a': ssh_keys 'x' is not a public key line")
    one = plan(lab_roster=[{"name": "a", "ssh_keys": KEY + "\n"}])
    assert one["pairs"][0]["login"]["keys"] == [KEY]


def test_a_long_lab_id_gets_a_short_login_prefix():
    result = plan(lab_id="kelas-jaringan-a")
    assert re.fullmatch(r"tl[0-9a-f]{5}-ani-budi", result["pairs"][0]["login"]["user"])
    assert plan(lab_student_prefix="jk-")["pairs"][0]["login"]["user"] == "jk-ani-budi"


# --- the hand-out -------------------------------------------------------------------------------

def test_the_handout_says_how_to_log_in_and_copy_out(tmp_path):
    result = plan()
    write_handout(result, tmp_path, "en", passwords={"citra": "abcd-efgh-jkmn"})
    ani = (tmp_path / "ani-budi.md").read_text(encoding="utf-8")
    assert "```sh\n  ssh tcplab-ani-budi@lab-pc-1\n  ```" in ani
    assert "Log in with the SSH key you gave your teacher." in ani
    assert "1. In a first terminal, logged in as `tcplab-ani-budi`, start the server:" in ani
    assert ("   tcpdump -i tcplab-001 -w ani-budi-tcp.pcap\n" in ani)
    assert "scp tcplab-ani-budi@lab-pc-1:ani-budi-tcp.pcap .\n" in ani
    assert "scp tcplab-ani-budi@lab-pc-1:ani-budi-upcall.pcap .\n" in ani
    assert "your folder `/var/lib/tcplab/students/tcplab/ani-budi`" in ani
    citra = (tmp_path / "citra.md").read_text(encoding="utf-8")
    assert "Your password: `abcd-efgh-jkmn`" in citra
    machines = (tmp_path / "vm-pair.md").read_text(encoding="utf-8")
    assert "- on `vm02`:\n\n  ```sh\n  ssh -p 2022 tcplab-vm-pair@vm02.lab.example\n" in machines
    assert "Your teacher gives you your password." in machines
    assert ("On the server machine `vm01`, logged in as `tcplab-vm-pair`, start the server:"
            in machines)
    assert "scp tcplab-vm-pair@192.0.2.1:vm-pair-tcp.pcap ." in machines
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert page.count('<section class="login">') == 3
    assert "abcd-efgh-jkmn" in page

    write_handout(result, tmp_path, "id")
    citra = (tmp_path / "citra.md").read_text(encoding="utf-8")
    assert "## Login kalian" in citra and "Password kalian didapat dari pengajar." in citra
    assert "abcd-efgh-jkmn" not in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_without_logins_the_handout_is_as_before(tmp_path):
    write_handout(plan(lab_student_access=False), tmp_path, "en")
    ani = (tmp_path / "ani-budi.md").read_text(encoding="utf-8")
    assert "Your login" not in ani and "scp " not in ani
    assert "In a first terminal on the Docker host, start the server:" in ani


def test_the_login_program_speaks_the_lab_languages_sentences():
    en = __import__("tcplab.lang.en", fromlist=["STRINGS"]).STRINGS
    assert {key: value for key, value in en.items() if key.startswith("login.")} == LOGIN.TEXT


# --- the login program's checks -----------------------------------------------------------------

def grant(folder="/var/lib/tcplab/students/tcplab/p01", **changes):
    data = {"lab_id": "tcplab", "pair": "p01", "folder": folder,
            "containers": ["tcplab-p01-server", "tcplab-p01-client"],
            "capture": {"interface": "tcplab-001", "peer": "10.213.1.2", "filter": ""},
            "programs": [], **changes}
    return LOGIN.Grant(data, "tcplab-p01")


def refusal(check, *args):
    with pytest.raises(LOGIN.Refused) as refused:
        check(*args)
    return refused.value.text


def test_docker_exec_runs_in_the_pairs_own_containers_only():
    mine = grant()
    assert LOGIN.check_exec(mine, ["exec", "-it", "tcplab-p01-server", "python3", "x.py"]) == (
        "tcplab-p01-server", ["python3", "x.py"], True, True)
    assert LOGIN.check_exec(mine, ["exec", "-i", "tcplab-p01-client", "sh", "-c", "ls"]) == (
        "tcplab-p01-client", ["sh", "-c", "ls"], True, False)
    assert refusal(LOGIN.check_exec, mine, ["exec", "-it", "tcplab-p02-server", "bash"]) == (
        "refused: tcplab-p02-server is not one of your containers; yours: tcplab-p01-server, "
        "tcplab-p01-client")
    assert refusal(LOGIN.check_exec, mine, ["exec", "-u", "0", "tcplab-p01-server", "sh"]) \
        .startswith("refused: docker exec -u is not available from this login")
    assert refusal(LOGIN.check_exec, mine, ["exec", "tcplab-p01-server"]) == (
        "refused: docker exec needs your container and a command, e.g. docker exec -it "
        "tcplab-p01-server bash")
    assert refusal(LOGIN.check_exec, mine, ["rm", "-f", "tcplab-p01-server"]).endswith(
        "not docker rm -f tcplab-p01-server")


def test_tcpdump_captures_the_own_interface_into_the_own_folder_as_the_pair():
    mine = grant()
    folder = "/var/lib/tcplab/students/tcplab/p01"
    assert LOGIN.check_tcpdump(mine, ["-i", "tcplab-001", "-w", "p01-tcp.pcap"]) == [
        "-i", "tcplab-001", "-Z", "tcplab-p01", "-w", f"{folder}/p01-tcp.pcap"]
    assert LOGIN.check_tcpdump(mine, ["-nnvi", "tcplab-001", "-c", "20", "tcp", "port", "2222"]) \
        == ["-i", "tcplab-001", "-Z", "tcplab-p01", "-n", "-n", "-v", "-c", "20", "--",
            "tcp port 2222"]
    for args, expected in [
            (["-i", "any"], "refused: tcpdump captures only on tcplab-001, not on any"),
            (["-w", "x.pcap"], "refused: give the interface to capture on: tcpdump -i tcplab-001"),
            (["-i", "tcplab-001", "-r", "x.pcap"], "refused: tcpdump -r is not available"),
            (["-i", "tcplab-001", "-z", "sh"], "refused: tcpdump -z is not available"),
            (["-i", "tcplab-001", "-Z", "root"], "refused: tcpdump -Z is not available"),
            (["-i", "tcplab-001", "--relinquish-privileges=root"],
             "refused: tcpdump --relinquish-privileges is not available"),
            (["-i", "tcplab-001", "-w", "../p02/x.pcap"],
             f"refused: tcpdump writes only into your folder {folder}"),
            (["-i", "tcplab-001", "-w", ".bashrc"], "refused: .bashrc: give a file name"),
            (["-i", "tcplab-001", "-w", "-"], "refused: -: give a file name"),
            (["-i", "tcplab-001", "-c", "many"], "refused: tcpdump -c many: give a number"),
            (["-i", "tcplab-001", "port", "2222", "-i", "any"],
             "refused: -i: options come before the filter")]:
        assert refusal(LOGIN.check_tcpdump, mine, args).startswith(expected), args


def test_on_a_shared_bridge_the_capture_keeps_to_the_pairs_own_traffic():
    own = "tcp and host 192.0.2.12 and ((src host 192.0.2.11 and src port 2222) or (dst host 192.0.2.11 and dst port 2222))"
    mine = grant(capture={"interface": "virbr0", "peer": "192.0.2.11", "filter": own})
    assert LOGIN.check_tcpdump(mine, ["-i", "virbr0"])[-2:] == ["--", own]
    assert LOGIN.check_tcpdump(mine, ["-i", "virbr0", "host", "192.0.2.99"])[-1] == (
        f"({own}) and (host 192.0.2.99)")


def test_ip_shows_and_never_changes():
    mine = grant()
    assert LOGIN.check_ip(mine, []) == ["a"]
    assert LOGIN.check_ip(mine, ["-br", "a"]) == ["-br", "a"]
    assert LOGIN.check_ip(mine, ["route", "get", "10.213.1.2"]) == ["route", "get", "10.213.1.2"]
    for args in (["link", "set", "tcplab-001", "down"], ["-b", "/etc/shadow"], ["netns", "exec"],
                 ["a", "flush", "dev", "eth0"], ["route", "add", "default"]):
        assert refusal(LOGIN.check_ip, mine, args).startswith("refused: this login runs ip a"), args


def test_on_machines_the_programs_run_and_the_client_talks_to_its_own_server():
    mine = grant(containers=[], programs=[
        {"role": "server", "path": "/opt/tcplab/reqresp/server.py", "port": 2222},
        {"role": "client", "path": "/opt/tcplab/reqresp/client.py", "port": 2222,
         "server": "192.0.2.11"}])
    server = "/opt/tcplab/reqresp/server.py"
    assert LOGIN.check_program(mine, ["python3", server, "--port", "2222"]) == [
        "/usr/bin/python3", "-I", server, "--port", "2222"]
    assert LOGIN.check_program(mine, ["python3", "/opt/tcplab/reqresp/client.py", "--host",
                                      "192.0.2.11", "hi"])[-1] == "hi"
    assert refusal(LOGIN.check_program, mine, ["python3", "/opt/tcplab/reqresp/client.py",
                                               "--host", "192.0.2.66"]) == (
        "refused: your client talks to your own server, 192.0.2.11, not 192.0.2.66")
    assert refusal(LOGIN.check_program, mine, ["python3", "-c", "print(1)"]).startswith(
        "refused: this login runs the lab programs here: /opt/tcplab/reqresp/server.py")
    assert refusal(LOGIN.check_program, mine, ["python3", "/opt/tcplab/reqresp/client.py",
                                               "--file", "/etc/passwd"]).startswith(
        "refused: the client's --file is not available")


def test_a_refusal_speaks_the_grants_language():
    indonesian = __import__("tcplab.lang.id", fromlist=["STRINGS"]).STRINGS
    mine = grant(text={k: v for k, v in indonesian.items() if k.startswith("login.")})
    assert refusal(LOGIN.check_tcpdump, mine, ["-i", "any"]) == (
        "ditolak: tcpdump hanya melakukan capture di tcplab-001, bukan di any")


# --- copying out: the read-only SFTP server, through OpenSSH's sftp client -----------------------

@pytest.fixture
def folders(tmp_path):
    """A pair's folder with a capture, another pair's folder beside it, and a link out."""
    mine, other = tmp_path / "p01", tmp_path / "p02"
    mine.mkdir()
    other.mkdir()
    (mine / "p01-tcp.pcap").write_bytes(bytes(range(256)) * 1000)
    (other / "p02-tcp.pcap").write_bytes(b"not yours")
    (mine / "sneaky.pcap").symlink_to(other / "p02-tcp.pcap")
    server = tmp_path / "server.py"
    server.write_text(
        "import sys, importlib.machinery, importlib.util\n"
        f"loader = importlib.machinery.SourceFileLoader('login', {str(PROGRAM)!r})\n"
        "spec = importlib.util.spec_from_loader('login', loader)\n"
        "login = importlib.util.module_from_spec(spec); loader.exec_module(login)\n"
        "login.log = lambda *args: None\n"
        f"grant = login.Grant({{'lab_id': 'tcplab', 'pair': 'p01', 'folder': {str(mine)!r}}},"
        " 'u')\n"
        "sys.exit(login.copy_request(grant, sys.argv[1:]))\n")
    return mine, other, server


def sftp(server, batch, cwd):
    if not shutil.which("sftp"):
        pytest.skip("OpenSSH's sftp client is not installed")
    return subprocess.run(["sftp", "-b", "-", "-D", f"{sys.executable} {server} internal-sftp"],
                          input=batch, capture_output=True, text=True, cwd=cwd, timeout=60)


def test_sftp_copies_the_folders_files_out(folders, tmp_path):
    mine, _, server = folders
    out = tmp_path / "out"
    out.mkdir()
    done = sftp(server, "pwd\nls -l\nget p01-tcp.pcap\n", out)
    assert done.returncode == 0, done.stderr
    assert f"Remote working directory: {mine}" in done.stdout
    assert "p01-tcp.pcap" in done.stdout
    assert (out / "p01-tcp.pcap").read_bytes() == (mine / "p01-tcp.pcap").read_bytes()


@pytest.mark.parametrize("command", ["get ../p02/p02-tcp.pcap", "get {other}/p02-tcp.pcap",
                                     "get sneaky.pcap", "ls ..", "cd /", "put {server} x.pcap",
                                     "rm p01-tcp.pcap", "mkdir x", "rename p01-tcp.pcap y"])
def test_sftp_reaches_nothing_outside_the_folder_and_writes_nothing(folders, tmp_path, command):
    mine, other, server = folders
    out = tmp_path / "out"
    out.mkdir()
    done = sftp(server, command.format(other=other, server=server) + "\n", out)
    assert done.returncode != 0
    assert re.search(r"Permission denied|not found|refused: you can read only your own folder",
                     done.stderr), done.stderr
    assert list(out.iterdir()) == []
    assert sorted(path.name for path in mine.iterdir()) == ["p01-tcp.pcap", "sneaky.pcap"]
    assert (other / "p02-tcp.pcap").read_bytes() == b"not yours"


# --- the sudo rule and the sshd settings --------------------------------------------------------

def test_the_sudo_rule_allows_the_login_program_for_docker_and_tcpdump_only(tmp_path):
    text = login_texts.sudoers_text("tcplab", ["tcplab-p01", "tcplab-p02"])
    program = login_texts.PROGRAM
    assert text.splitlines()[-2:] == [
        f"tcplab-p01 ALL=(root) NOPASSWD: {program} docker *, {program} tcpdump *",
        f"tcplab-p02 ALL=(root) NOPASSWD: {program} docker *, {program} tcpdump *"]
    rule = tmp_path / "rule"
    rule.write_text(text)
    if not shutil.which("visudo", path="/usr/sbin:/usr/bin"):
        pytest.skip("visudo is not installed")
    checked = subprocess.run(["visudo", "-c", "-q", "-f", str(rule)], capture_output=True,
                             text=True, env={**os.environ, "PATH": "/usr/sbin:/usr/bin"})
    assert checked.returncode == 0, checked.stderr
    assert login_texts.file_name("lab.a") == "tcplab-lab_a"  # sudo skips file names with a dot


def test_the_sshd_settings_match_the_labs_users_only():
    text = login_texts.sshd_text("tcplab", ["tcplab-p01"], ["tcplab-p02", "tcplab-p03"])
    assert "\nMaxStartups 10:30:100\nMatch User" in text
    assert login_texts.max_startups(40) == "120:30:240"
    blocks = text.split("Match User ")[1:]
    assert [block.splitlines()[0] for block in blocks] == ["tcplab-p01", "tcplab-p02,tcplab-p03"]
    for block, passwords in zip(blocks, ("no", "yes")):
        assert [line.strip() for line in block.splitlines()[1:]] == [
            f"AuthorizedKeysFile {login_texts.KEYS}/%u", f"ForceCommand {login_texts.PROGRAM}",
            "DisableForwarding yes", "PermitTunnel no", "PermitUserRC no", "PermitTTY yes",
            f"PasswordAuthentication {passwords}"]
    assert login_texts.keys_text([KEY]) == f"restrict,pty {KEY}\n"
    grant_ = {"host": "h", "address": "10.0.0.1", "port": 2022, "containers": [], "capture": None,
              "programs": []}
    login = {"pair": "p01", "user": "tcplab-p01", "folder": "/f"}
    assert login_texts.copy_command(login, grant_) == "scp -P 2022 tcplab-p01@10.0.0.1:FILE ."
    written = login_texts.grant_of("tcplab", login, grant_, "/s", {"login.refused": "x {reason}"})
    assert json.loads(json.dumps(written))["copy"] == "scp -P 2022 tcplab-p01@10.0.0.1:FILE ."
