"""Tests for the student-facing lab programs in the collection's roles/lab_plan/files/<scenario>/{server,client}.py.

Every test runs the real programs as processes on 127.0.0.1. Servers start with
--port 0 and the test reads the real port from their "Server listening on" line.
Where a test needs a misbehaving peer, it runs a small fake server or client in
the test process. Every wait has a timeout, so no test can hang. The last test
captures the programs with tcpdump on loopback and reads the capture with
tshark, as the students read theirs in Wireshark.
"""
import os
import pty
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from analyzer_loopback import can_capture, capture_exchange

LAB_FILES = Path(__file__).resolve().parent.parent / "collections/ansible_collections/tcplab/lab/roles/lab_plan/files"
LAB_STEP_TIMEOUT = 20  # seconds for any one wait
LAB_PROMPT = "Enter message (exit to quit): "
LAB_SCENARIOS = {
    "reqresp": {"reply_prefix": "", "client_label": "Received from server: "},
    "upcall": {"reply_prefix": "Upcall event: Processing ", "client_label": "Received upcall from server: "},
}
SCENARIO_NAMES = list(LAB_SCENARIOS)
# The programs must flush their own output: do not let the environment do it for them.
LAB_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}


def lab_expected_reply(scenario, message):
    return LAB_SCENARIOS[scenario]["reply_prefix"] + message


def lab_client_line(scenario, message):
    """The line the client prints for the correct reply to message."""
    return LAB_SCENARIOS[scenario]["client_label"] + lab_expected_reply(scenario, message) + "\n"


def lab_line(text):
    """A message as it travels: its UTF-8 bytes and a newline."""
    return text.encode("utf-8") + b"\n"


def lab_read_line(reader):
    """Read one line from a binary file (test-side, independent of the programs)."""
    line = reader.readline()
    assert line.endswith(b"\n"), f"connection closed inside a line {line[:80]!r}"
    return line[:-1].decode("utf-8")


def lab_assert_one_line_error(stderr, *fragments):
    assert "Traceback" not in stderr
    assert stderr.startswith("error: "), stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, repr(stderr)
    for fragment in fragments:
        assert fragment in stderr, f"{fragment!r} not in {stderr!r}"


class LabServerProcess:
    """A lab server.py running as a process, its stdout and stderr drained by threads."""

    def __init__(self, scenario, *extra_args):
        command = [sys.executable, str(LAB_FILES / scenario / "server.py"), "--host", "127.0.0.1"]
        self.proc = subprocess.Popen(command + list(extra_args or ("--port", "0")),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=LAB_ENV)
        self.stdout_lines = []
        self.stderr_chunks = []
        self.first_line_seen = threading.Event()
        self.threads = [threading.Thread(target=self._drain_stdout, daemon=True),
                        threading.Thread(target=self._drain_stderr, daemon=True)]
        for thread in self.threads:
            thread.start()

    def _drain_stdout(self):
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            self.first_line_seen.set()
        self.first_line_seen.set()

    def _drain_stderr(self):
        self.stderr_chunks.append(self.proc.stderr.read())

    def wait_listening(self):
        """Wait for 'Server listening on 127.0.0.1:<port>' and return the port."""
        assert self.first_line_seen.wait(LAB_STEP_TIMEOUT), "server printed nothing"
        first_line = self.stdout_lines[0].decode("utf-8") if self.stdout_lines else ""
        match = re.fullmatch(r"Server listening on 127\.0\.0\.1:(\d+)\n", first_line)
        assert match, f"unexpected first line {first_line!r}"
        return int(match.group(1))

    def finish(self):
        """Wait for the server to exit; return (exit status, stdout, stderr) as text."""
        status = self.proc.wait(LAB_STEP_TIMEOUT)
        for thread in self.threads:
            thread.join(LAB_STEP_TIMEOUT)
        stdout = b"".join(self.stdout_lines).decode("utf-8")
        return status, stdout, b"".join(self.stderr_chunks).decode("utf-8")

    def kill_if_running(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(LAB_STEP_TIMEOUT)


@pytest.fixture
def lab_servers():
    """Start lab servers with lab_servers(scenario, *args); leftovers are killed afterwards."""
    started = []

    def start(scenario, *extra_args):
        server = LabServerProcess(scenario, *extra_args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill_if_running()


def lab_run_client(scenario, port, *args, stdin_bytes=None):
    """Run client.py to the end; return (exit status, stdout, stderr) as text."""
    command = [sys.executable, str(LAB_FILES / scenario / "client.py"), "--host", "127.0.0.1",
               "--port", str(port), *args]
    result = subprocess.run(command, input=stdin_bytes if stdin_bytes is not None else b"",
                            capture_output=True, timeout=LAB_STEP_TIMEOUT, env=LAB_ENV)
    return result.returncode, result.stdout.decode("utf-8"), result.stderr.decode("utf-8")


class LabFakeServer:
    """A one-connection TCP server in a thread of the test; handler(conn, reader) plays the server."""

    def __init__(self, handler):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(LAB_STEP_TIMEOUT)
        self.port = self.listener.getsockname()[1]
        self.handler = handler
        self.failure = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.listener.accept()
            conn.settimeout(LAB_STEP_TIMEOUT)
            with conn, conn.makefile("rb") as reader:
                self.handler(conn, reader)
        except BaseException as error:  # reported by finish()
            self.failure = error

    def finish(self):
        self.thread.join(LAB_STEP_TIMEOUT)
        self.listener.close()
        assert not self.thread.is_alive(), "fake server still running"
        if self.failure:
            raise self.failure


def lab_wait_for_eof(conn):
    """Read until the peer closes; True if it closed (FIN) before the timeout."""
    while True:
        try:
            if conn.recv(65536) == b"":
                return True
        except (TimeoutError, ConnectionError):
            return False


# ---------------------------------------------------------------- normal use


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_argv_messages_get_expected_replies(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    status, stdout, stderr = lab_run_client(scenario, port, "hello", "second message")
    assert (status, stderr) == (0, "")
    assert stdout == (f"Connected to 127.0.0.1:{port}\n" + lab_client_line(scenario, "hello")
                      + lab_client_line(scenario, "second message"))
    server_status, server_out, server_err = server.finish()
    assert (server_status, server_err) == (0, "")
    lines = server_out.splitlines()
    assert re.fullmatch(r"Connection from 127\.0\.0\.1:\d+", lines[1])
    assert lines[2:] == ["Received from client: hello", "Received from client: second message",
                         "Client closed the connection"]


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_file_messages_are_sent_until_exit_line(lab_servers, scenario, tmp_path):
    message_file = tmp_path / "messages.txt"
    message_file.write_text("one\ntwo words\n\nexit\nnot sent\n", encoding="utf-8")
    server = lab_servers(scenario)
    port = server.wait_listening()
    status, stdout, stderr = lab_run_client(scenario, port, "--file", str(message_file))
    assert (status, stderr) == (0, "")
    assert stdout.splitlines()[1:] == [lab_client_line(scenario, m)[:-1] for m in ("one", "two words", "")]
    server_status, server_out, _ = server.finish()
    assert server_status == 0
    received = [line for line in server_out.splitlines() if line.startswith("Received from client:")]
    assert received == ["Received from client: one", "Received from client: two words", "Received from client: "]


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_piped_stdin_messages_are_sent_until_eof(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    status, stdout, stderr = lab_run_client(scenario, port, stdin_bytes=b"alpha\nbeta gamma\nlast line no newline")
    assert (status, stderr) == (0, "")
    for message in ("alpha", "beta gamma", "last line no newline"):
        assert lab_client_line(scenario, message) in stdout
    server_status, server_out, _ = server.finish()
    assert server_status == 0
    assert "Received from client: last line no newline\nClient closed the connection\n" in server_out


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_positional_messages_win_over_file(lab_servers, scenario, tmp_path):
    message_file = tmp_path / "messages.txt"
    message_file.write_text("from file\n", encoding="utf-8")
    server = lab_servers(scenario)
    port = server.wait_listening()
    status, _, _ = lab_run_client(scenario, port, "--file", str(message_file), "from argv")
    assert status == 0
    _, server_out, _ = server.finish()
    assert "Received from client: from argv\n" in server_out
    assert "from file" not in server_out


def lab_read_terminal_until(master_fd, seen, done, what):
    """Read the pseudo-terminal into seen (a bytearray) until done(text) is true."""
    deadline = time.monotonic() + LAB_STEP_TIMEOUT
    while not done(seen.decode("utf-8", "replace")):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {what}; terminal shows {bytes(seen)!r}"
        ready, _, _ = select.select([master_fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(master_fd, 65536)
            except OSError:  # EIO: the client closed the terminal
                chunk = b""
            assert chunk, f"terminal closed while waiting for {what}; it shows {bytes(seen)!r}"
            seen.extend(chunk)


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_interactive_terminal_session(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    master_fd, slave_fd = pty.openpty()
    client = subprocess.Popen([sys.executable, str(LAB_FILES / scenario / "client.py"), "--host", "127.0.0.1",
                               "--port", str(port)], stdin=slave_fd, stdout=slave_fd, stderr=slave_fd,
                              start_new_session=True, env=LAB_ENV)
    os.close(slave_fd)
    seen = bytearray()
    try:
        lab_read_terminal_until(master_fd, seen, lambda text: text.count(LAB_PROMPT) == 1, "first prompt")
        os.write(master_fd, b"hello there\n")
        lab_read_terminal_until(master_fd, seen, lambda text: text.count(LAB_PROMPT) == 2, "second prompt")
        os.write(master_fd, "n\u00e4chste Nachricht\n".encode("utf-8"))
        lab_read_terminal_until(master_fd, seen, lambda text: text.count(LAB_PROMPT) == 3, "third prompt")
        os.write(master_fd, b"exit\n")
        assert client.wait(LAB_STEP_TIMEOUT) == 0
    finally:
        if client.poll() is None:
            client.kill()
            client.wait(LAB_STEP_TIMEOUT)
        os.close(master_fd)
    terminal = seen.decode("utf-8").replace("\r\n", "\n")
    assert lab_client_line(scenario, "hello there") + LAB_PROMPT in terminal
    assert lab_client_line(scenario, "n\u00e4chste Nachricht") + LAB_PROMPT in terminal
    server_status, server_out, _ = server.finish()
    assert server_status == 0
    received = [line for line in server_out.splitlines() if line.startswith("Received from client:")]
    assert received == ["Received from client: hello there", "Received from client: n\u00e4chste Nachricht"]


# ---------------------------------------------------------------- framing


LAB_MAX_MESSAGE_BYTES = 65536  # the programs' MAX_MESSAGE_BYTES, which the Ansible side checks too


@pytest.mark.parametrize("program", ["reqresp/server.py", "reqresp/client.py", "upcall/server.py", "upcall/client.py"])
def test_every_program_states_the_same_message_limit(program):
    source = (LAB_FILES / program).read_text(encoding="utf-8")
    assert re.search(r"^MAX_MESSAGE_BYTES = 65536  #", source, re.MULTILINE)


def lab_longest_message(fill):
    """A message of exactly LAB_MAX_MESSAGE_BYTES UTF-8 bytes made of `fill` (1 to 4 bytes)."""
    size = len(fill.encode("utf-8"))
    message = fill * (LAB_MAX_MESSAGE_BYTES // size) + "x" * (LAB_MAX_MESSAGE_BYTES % size)
    assert len(message.encode("utf-8")) == LAB_MAX_MESSAGE_BYTES
    return message


@pytest.mark.parametrize("fill", ["abcdefghijklmnopqrstuvwxyz", "\u00e9", "\u2713", "\U0001f642"])
@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_longest_message_arrives_whole(lab_servers, scenario, fill):
    longest = lab_longest_message(fill)
    server = lab_servers(scenario)
    port = server.wait_listening()
    status, stdout, stderr = lab_run_client(scenario, port, longest, "after")
    assert (status, stderr) == (0, "")
    assert stdout.splitlines()[1:] == [lab_client_line(scenario, m)[:-1] for m in (longest, "after")]
    server_status, server_out, server_err = server.finish()
    assert (server_status, server_err) == (0, "")
    assert "\nReceived from client: " + longest + "\nReceived from client: after\n" in server_out


@pytest.mark.parametrize("how", ["argv", "file", "stdin"])
@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_message_one_byte_too_long_is_refused_before_connecting(scenario, how, tmp_path):
    too_long = "\u00e9" * (LAB_MAX_MESSAGE_BYTES // 2) + "!"  # 32769 characters, 65537 bytes
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        if how == "argv":
            status, stdout, stderr = lab_run_client(scenario, port, "fine", too_long)
        elif how == "file":
            (tmp_path / "m.txt").write_text("fine\n" + too_long + "\n", encoding="utf-8")
            status, stdout, stderr = lab_run_client(scenario, port, "--file", str(tmp_path / "m.txt"))
        else:
            status, stdout, stderr = lab_run_client(scenario, port, stdin_bytes=b"fine\n" + lab_line(too_long))
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # the client never connected, not even for "fine"
    assert (status, stdout) == (1, "")
    lab_assert_one_line_error(stderr, "'" + "\u00e9" * 60 + "'...", "65537 bytes", "65536")
    assert len(stderr) < 300


@pytest.mark.parametrize("message", ["two\nlines", "carriage\rreturn", "windows\r\nline end", "\n"])
@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_message_with_a_line_break_is_refused_before_connecting(scenario, message):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        status, stdout, stderr = lab_run_client(scenario, listener.getsockname()[1], "fine", message)
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert (status, stdout) == (1, "")
    lab_assert_one_line_error(stderr, repr(message), "one line", "no \\n or \\r")


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_non_ascii_arrives_whole(lab_servers, scenario):
    message = "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \U0001f642\tselamat pagi, 5:comma,"
    server = lab_servers(scenario)
    port = server.wait_listening()
    status, stdout, stderr = lab_run_client(scenario, port, message)
    assert (status, stderr) == (0, "")
    assert lab_client_line(scenario, message) in stdout
    server_status, server_out, _ = server.finish()
    assert server_status == 0
    assert "\nReceived from client: " + message + "\n" in server_out


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_messages_after_double_dash_may_start_with_a_dash(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    status, stdout, stderr = lab_run_client(scenario, port, "--", "-5", "--file")
    assert (status, stderr) == (0, "")
    assert stdout.splitlines()[1:] == [lab_client_line(scenario, m)[:-1] for m in ("-5", "--file")]
    assert server.finish()[0] == 0


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_piped_windows_line_ends_are_line_ends(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    status, stdout, stderr = lab_run_client(scenario, port, stdin_bytes=b"one\r\ntwo\r\n")
    assert (status, stderr) == (0, "")
    assert stdout.splitlines()[1:] == [lab_client_line(scenario, m)[:-1] for m in ("one", "two")]
    assert server.finish()[0] == 0


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_empty_message_round_trip(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    status, stdout, _ = lab_run_client(scenario, port, "", "after empty")
    assert status == 0
    assert lab_client_line(scenario, "") + lab_client_line(scenario, "after empty") in stdout
    assert "\nReceived from client: \nReceived from client: after empty\n" in server.finish()[1]


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_many_small_messages_arrive_in_order(lab_servers, scenario):
    messages = [f"message {number:04d}" for number in range(1000)]
    server = lab_servers(scenario)
    port = server.wait_listening()
    status, stdout, stderr = lab_run_client(scenario, port, stdin_bytes="\n".join(messages).encode() + b"\n")
    assert (status, stderr) == (0, "")
    assert stdout.splitlines()[1:] == [lab_client_line(scenario, m)[:-1] for m in messages]
    _, server_out, _ = server.finish()
    received = [line for line in server_out.splitlines() if line.startswith("Received from client:")]
    assert received == ["Received from client: " + m for m in messages]


def lab_read_exactly(sock, size):
    """Read `size` bytes from a socket, however the sender split them."""
    received = b""
    while len(received) < size:
        chunk = sock.recv(65536)
        assert chunk, f"server closed early after {received!r}"
        received += chunk
    return received


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_server_reads_three_lines_sent_in_one_segment(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    with socket.create_connection(("127.0.0.1", port), timeout=LAB_STEP_TIMEOUT) as sock:
        sock.sendall(b"hello\n\nselamat pagi \xe2\x9c\x93\n")  # three lines, one sendall
        expected = b"".join(lab_line(lab_expected_reply(scenario, m)) for m in ("hello", "", "selamat pagi \u2713"))
        assert lab_read_exactly(sock, len(expected)) == expected
    status, server_out, _ = server.finish()
    assert status == 0
    assert ("Received from client: hello\nReceived from client: \n"
            "Received from client: selamat pagi \u2713\nClient closed the connection\n") in server_out


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_server_puts_a_line_sent_byte_by_byte_back_together(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    with socket.create_connection(("127.0.0.1", port), timeout=LAB_STEP_TIMEOUT) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for byte in lab_line("h\u00e9llo"):  # one message in seven segments, "\u00e9" split in two
            sock.sendall(bytes([byte]))
            time.sleep(0.02)
        expected = lab_line(lab_expected_reply(scenario, "h\u00e9llo"))
        assert lab_read_exactly(sock, len(expected)) == expected
    status, server_out, _ = server.finish()
    assert status == 0
    assert server_out.count("Received from client:") == 1
    assert "Received from client: h\u00e9llo\n" in server_out


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_client_sends_exact_lines(scenario):
    received_bytes = []

    def reply_correctly(conn, reader):
        for _ in range(3):
            line = reader.readline()
            received_bytes.append(line)
            conn.sendall(lab_line(lab_expected_reply(scenario, line[:-1].decode("utf-8"))))

    fake = LabFakeServer(reply_correctly)
    status, _, stderr = lab_run_client(scenario, fake.port, "hello", "", "w\u00f6rld")
    fake.finish()
    assert (status, stderr) == (0, "")
    assert received_bytes == [b"hello\n", b"\n", "w\u00f6rld\n".encode("utf-8")]


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_client_reads_two_replies_that_arrive_in_one_segment(scenario):
    def reply_to_both_at_once(conn, reader):
        first = lab_read_line(reader)
        conn.sendall(lab_line(lab_expected_reply(scenario, first)) + lab_line(lab_expected_reply(scenario, "two")))
        assert lab_read_line(reader) == "two"

    fake = LabFakeServer(reply_to_both_at_once)
    status, stdout, stderr = lab_run_client(scenario, fake.port, "one", "two")
    fake.finish()
    assert (status, stderr) == (0, "")
    assert stdout.splitlines()[1:] == [lab_client_line(scenario, m)[:-1] for m in ("one", "two")]


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_client_reassembles_reply_split_into_single_bytes(scenario):
    def reply_byte_by_byte(conn, reader):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        message = lab_read_line(reader)
        for byte in lab_line(lab_expected_reply(scenario, message)):
            conn.sendall(bytes([byte]))
            time.sleep(0.002)

    fake = LabFakeServer(reply_byte_by_byte)
    status, stdout, stderr = lab_run_client(scenario, fake.port, "split me \u00fc")
    fake.finish()
    assert (status, stderr) == (0, "")
    assert lab_client_line(scenario, "split me \u00fc") in stdout


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_client_closes_connection_first_after_last_message(scenario):
    client_closed_first = []

    def reply_then_wait_for_fin(conn, reader):
        message = lab_read_line(reader)
        conn.sendall(lab_line(lab_expected_reply(scenario, message)))
        client_closed_first.append(lab_wait_for_eof(conn))

    fake = LabFakeServer(reply_then_wait_for_fin)
    status, _, _ = lab_run_client(scenario, fake.port, "only message")
    fake.finish()
    assert status == 0
    assert client_closed_first == [True]


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_server_prints_each_message_as_it_arrives(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    with socket.create_connection(("127.0.0.1", port), timeout=LAB_STEP_TIMEOUT) as sock:
        sock.sendall(b"live\n")
        assert lab_read_line(sock.makefile("rb")) == lab_expected_reply(scenario, "live")
        deadline = time.monotonic() + LAB_STEP_TIMEOUT
        while b"Received from client: live\n" not in b"".join(server.stdout_lines):
            assert time.monotonic() < deadline, "server did not flush its output while connected"
            time.sleep(0.05)
    assert server.finish()[0] == 0


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_client_prints_each_reply_as_it_arrives(scenario):
    first_reply_printed = threading.Event()

    def hold_second_reply_until_first_is_printed(conn, reader):
        for _ in range(2):
            message = lab_read_line(reader)
            conn.sendall(lab_line(lab_expected_reply(scenario, message)))
            assert first_reply_printed.wait(LAB_STEP_TIMEOUT), "client did not flush its output"

    fake = LabFakeServer(hold_second_reply_until_first_is_printed)
    client = subprocess.Popen([sys.executable, str(LAB_FILES / scenario / "client.py"), "--host", "127.0.0.1",
                               "--port", str(fake.port), "one", "two"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=LAB_ENV)
    try:
        printed = b""
        while lab_client_line(scenario, "one").encode() not in printed:
            chunk = client.stdout.read1(65536)  # the fake server holds, so this cannot block for ever
            if not chunk:
                break
            printed += chunk
        first_reply_printed.set()
        rest, _ = client.communicate(timeout=LAB_STEP_TIMEOUT)
    finally:
        first_reply_printed.set()
        if client.poll() is None:
            client.kill()
            client.communicate(timeout=LAB_STEP_TIMEOUT)
    fake.finish()
    assert client.returncode == 0
    assert lab_client_line(scenario, "two").encode() in printed + rest


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_wrong_reply_is_reported_and_exit_status_is_1(scenario):
    def reply_wrong_then_right(conn, reader):
        lab_read_line(reader)
        conn.sendall(lab_line("WRONG"))
        message = lab_read_line(reader)
        conn.sendall(lab_line(lab_expected_reply(scenario, message)))

    fake = LabFakeServer(reply_wrong_then_right)
    status, stdout, stderr = lab_run_client(scenario, fake.port, "first", "second")
    fake.finish()
    assert status == 1
    lab_assert_one_line_error(stderr, "wrong reply", "'first'", "'WRONG'")
    assert LAB_SCENARIOS[scenario]["client_label"] + "WRONG\n" in stdout
    assert lab_client_line(scenario, "second") in stdout  # the client carried on


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_connection_refused_is_one_line_error(scenario):
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        status, stdout, stderr = lab_run_client(scenario, port, "hello")
    assert status == 1
    lab_assert_one_line_error(stderr, f"127.0.0.1:{port}", "refused")
    assert "Received" not in stdout


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_address_in_use_is_one_line_error(lab_servers, scenario):
    first = lab_servers(scenario)
    port = first.wait_listening()
    second = lab_servers(scenario, "--port", str(port))
    status, stdout, stderr = second.finish()
    assert status == 1
    lab_assert_one_line_error(stderr, str(port), "in use")
    assert "Server listening" not in stdout
    assert lab_run_client(scenario, port, "still works")[0] == 0  # the first server is unaffected
    assert first.finish()[0] == 0


@pytest.mark.parametrize("how", ["close", "reset"])
@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_client_errors_when_server_goes_away_before_replying(scenario, how):
    def vanish(conn, reader):
        lab_read_line(reader)
        if how == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    fake = LabFakeServer(vanish)
    status, _, stderr = lab_run_client(scenario, fake.port, "anyone there?")
    fake.finish()
    assert status == 1
    fragment = "closed the connection" if how == "close" else "reset"
    lab_assert_one_line_error(stderr, fragment)


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_server_errors_when_client_disconnects_mid_line(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    with socket.create_connection(("127.0.0.1", port), timeout=LAB_STEP_TIMEOUT) as sock:
        sock.sendall(b"hel")
    status, stdout, stderr = server.finish()
    assert status == 1
    lab_assert_one_line_error(stderr, "middle of a message")
    assert "Received from client" not in stdout


@pytest.mark.parametrize("ending", [b"\n", b""], ids=["with-newline", "never-ending"])
@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_server_refuses_a_line_longer_than_the_limit(lab_servers, scenario, ending):
    server = lab_servers(scenario)
    port = server.wait_listening()
    with socket.create_connection(("127.0.0.1", port), timeout=LAB_STEP_TIMEOUT) as sock:
        sock.sendall(b"ok\n" + b"x" * (LAB_MAX_MESSAGE_BYTES + 1) + ending)
        status, stdout, stderr = server.finish()
    assert status == 1
    lab_assert_one_line_error(stderr, "longer than 65536 bytes")
    assert stdout.count("Received from client:") == 1 and "Received from client: ok\n" in stdout


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_client_refuses_a_reply_longer_than_the_longest_correct_one(scenario):
    longest = lab_longest_message("a")
    too_long = lab_expected_reply(scenario, longest) + "x"

    def reply_one_byte_too_long(conn, reader):
        lab_read_line(reader)
        conn.sendall(lab_line(too_long))

    fake = LabFakeServer(reply_one_byte_too_long)
    status, stdout, stderr = lab_run_client(scenario, fake.port, longest)
    fake.finish()
    assert status == 1
    lab_assert_one_line_error(stderr, f"longer than {len(too_long) - 1} bytes")
    assert "Received" not in stdout


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_server_rejects_invalid_utf8(lab_servers, scenario):
    server = lab_servers(scenario)
    port = server.wait_listening()
    with socket.create_connection(("127.0.0.1", port), timeout=LAB_STEP_TIMEOUT) as sock:
        sock.sendall(b"\xff\xfe\n")
        status, _, stderr = server.finish()
    assert status == 1
    lab_assert_one_line_error(stderr, "UTF-8")


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_client_rejects_invalid_utf8_reply(scenario):
    def reply_invalid_utf8(conn, reader):
        lab_read_line(reader)
        conn.sendall(b"\xc3\x28a\n")

    fake = LabFakeServer(reply_invalid_utf8)
    status, _, stderr = lab_run_client(scenario, fake.port, "hello")
    fake.finish()
    assert status == 1
    lab_assert_one_line_error(stderr, "UTF-8")


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_client_times_out_when_no_reply_arrives(scenario):
    def never_reply(conn, reader):
        lab_read_line(reader)
        lab_wait_for_eof(conn)

    fake = LabFakeServer(never_reply)
    started = time.monotonic()
    status, _, stderr = lab_run_client(scenario, fake.port, "--timeout", "1", "hello?")
    elapsed = time.monotonic() - started
    fake.finish()
    assert status == 1
    lab_assert_one_line_error(stderr, "no reply", f"127.0.0.1:{fake.port}", "1 seconds")
    assert 0.9 < elapsed < 10


# ---------------------------------------------------------------- exit codes


@pytest.mark.parametrize("bad_args", [["--port", "not-a-port"], ["--port", "70000"], ["--no-such-option"]])
@pytest.mark.parametrize("program", ["reqresp/server.py", "reqresp/client.py", "upcall/server.py", "upcall/client.py"])
def test_usage_errors_exit_2(program, bad_args):
    result = subprocess.run([sys.executable, str(LAB_FILES / program), *bad_args], stdin=subprocess.DEVNULL,
                            capture_output=True, timeout=LAB_STEP_TIMEOUT, env=LAB_ENV)
    assert result.returncode == 2
    assert b"usage:" in result.stderr and b"Traceback" not in result.stderr


@pytest.mark.parametrize("bad_args", [["--timeout", "0"], ["--file", "/nonexistent/messages.txt"]])
@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_client_usage_errors_exit_2(scenario, bad_args):
    status, _, stderr = lab_run_client(scenario, 9, *bad_args)
    assert status == 2
    assert "usage:" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_ctrl_c_stops_waiting_server_with_exit_130(lab_servers, scenario):
    server = lab_servers(scenario)
    server.wait_listening()
    server.proc.send_signal(signal.SIGINT)
    status, _, stderr = server.finish()
    assert status == 130
    assert stderr == "error: interrupted\n"


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_ctrl_c_stops_waiting_client_with_exit_130(scenario):
    message_arrived = threading.Event()

    def hold_the_reply(conn, reader):
        lab_read_line(reader)
        message_arrived.set()
        lab_wait_for_eof(conn)

    fake = LabFakeServer(hold_the_reply)
    client = subprocess.Popen([sys.executable, str(LAB_FILES / scenario / "client.py"), "--host", "127.0.0.1",
                               "--port", str(fake.port), "--timeout", "60", "hello"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=LAB_ENV)
    try:
        assert message_arrived.wait(LAB_STEP_TIMEOUT)
        client.send_signal(signal.SIGINT)
        _, stderr = client.communicate(timeout=LAB_STEP_TIMEOUT)
    finally:
        if client.poll() is None:
            client.kill()
            client.communicate(timeout=LAB_STEP_TIMEOUT)
    fake.finish()
    assert client.returncode == 130
    assert stderr == b"error: interrupted\n"


# ---------------------------------------------------------------- on the wire


def lab_tshark_payloads(pcap, server_port):
    """(from_client, payload bytes) of every data segment, as tshark decodes the capture."""
    result = subprocess.run(["tshark", "-r", str(pcap), "-Y", "tcp.len > 0", "-T", "fields",
                             "-e", "tcp.srcport", "-e", "tcp.payload"],
                            capture_output=True, text=True, timeout=LAB_STEP_TIMEOUT * 3)
    assert result.returncode == 0, result.stderr
    rows = []
    for line in result.stdout.splitlines():
        source_port, payload = line.split("\t")
        rows.append((int(source_port) != server_port, bytes.fromhex(payload.replace(":", ""))))
    return rows


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@pytest.mark.skipif(can_capture() is not None, reason=str(can_capture()))
@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_capture_shows_the_typed_text_as_the_payload(scenario, tmp_path):
    pcap = tmp_path / f"{scenario}.pcap"
    captured = capture_exchange(pcap, scenario, ["hello"])
    assert (captured.client_status, captured.server_status) == (0, 0), captured.client_output
    assert lab_tshark_payloads(pcap, captured.port) == [
        (True, b"hello\n"), (False, lab_line(lab_expected_reply(scenario, "hello")))]
