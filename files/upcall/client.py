#!/usr/bin/env python3
"""upcall client: the server calls back the client over TCP.

The client connects to the upcall server and sends each message; the server
answers with a callback (an "upcall"): "Upcall event: Processing <message>".
The client checks every callback before sending the next message. After the
last message the client closes the connection, so it sends the first FIN.

Messages come from the command line, else --file (one per line), else piped
stdin, else the keyboard; a line "exit" stops. Each message, both ways, is a
netstring: the number of UTF-8 bytes, ':', the bytes, ','. "hi" is 2:hi,
"""
import argparse
import socket
import sys

DEFAULT_PORT = 4141
PROMPT = "Enter message (exit to quit): "


class LabError(Exception):
    """A problem reported as one line on stderr (exit status 1)."""


def send_message(sock, text):
    """Send text as one netstring, e.g. 'hello' -> b'5:hello,'."""
    data = text.encode("utf-8")
    sock.sendall(str(len(data)).encode("ascii") + b":" + data + b",")


def receive_message(reader):
    """Read one netstring from reader (sock.makefile("rb")); None if the peer closed.

    reader.read(n) waits until n bytes have arrived (or the connection closes),
    so a message split over many TCP segments is put back together here.
    """
    length_digits = b""
    while True:
        byte = reader.read(1)
        if byte == b"":
            if length_digits:
                raise LabError("the other side closed the connection in the middle of a message")
            return None
        if byte == b":":
            break
        if not byte.isdigit() or len(length_digits) == 8:  # at most 99,999,999 bytes
            raise LabError(f"malformed frame: bad length {length_digits + byte!r}")
        length_digits += byte
    if not length_digits:
        raise LabError("malformed frame: no length before ':'")
    length = int(length_digits)
    data = reader.read(length)
    end = reader.read(1)
    if len(data) < length or end == b"":
        raise LabError("the other side closed the connection in the middle of a message")
    if end != b",":
        raise LabError(f"malformed frame: expected ',' after {length} bytes, got {end!r}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise LabError("message is not valid UTF-8") from None


def expected_reply(message):
    return "Upcall event: Processing " + message


def quoted(text, limit=60):
    """text as a one-line quoted string, shortened when long (for error lines)."""
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def lines_until_exit(lines):
    """Each line without its newline, stopping at a line that is exactly 'exit'."""
    for line in lines:
        line = line.removesuffix("\n")
        if line == "exit":
            return
        yield line


def typed_lines():
    """What the user types, line by line, until Ctrl+D."""
    try:
        while True:
            yield input(PROMPT)
    except EOFError:
        print()


def fail(text, status=1):
    print(f"error: {text}", file=sys.stderr, flush=True)
    return status


def talk(host, port, timeout, messages):
    """Send each message and check its reply; return the number of wrong replies."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as error:
        raise LabError(f"cannot connect to {host}:{port}: {error.strerror or error}") from None
    wrong_replies = 0
    with sock, sock.makefile("rb") as reader:
        print(f"Connected to {host}:{port}", flush=True)
        for message in messages:
            send_message(sock, message)
            reply = receive_message(reader)
            if reply is None:
                raise LabError(f"server closed the connection before replying to {quoted(message)}")
            print(f"Received upcall from server: {reply}", flush=True)
            expected = expected_reply(message)
            if reply != expected:
                wrong_replies += 1
                fail(f"wrong reply to {quoted(message)}: got {quoted(reply)}, "
                     f"expected {quoted(expected)}")
    return wrong_replies


def main():
    parser = argparse.ArgumentParser(description="upcall TCP client (checks every callback).")
    parser.add_argument("--host", default="localhost", help="server address (default localhost)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"server port (default {DEFAULT_PORT})")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                        help="how long to wait for each reply (default 10)")
    parser.add_argument("--file", type=argparse.FileType("r", encoding="utf-8"),
                        help="messages, one per line")
    parser.add_argument("messages", nargs="*", metavar="MESSAGE", help="messages to send, in order")
    args = parser.parse_args()
    if not 1 <= args.port <= 65535 or args.timeout <= 0:
        parser.error("--port must be 1-65535 and --timeout more than 0")

    if args.messages:
        messages = args.messages
    elif args.file:
        messages = lines_until_exit(args.file)
    elif not sys.stdin.isatty():
        messages = lines_until_exit(sys.stdin)
    else:
        messages = lines_until_exit(typed_lines())

    try:
        wrong_replies = talk(args.host, args.port, args.timeout, messages)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except LabError as error:
        return fail(error)
    except TimeoutError:
        return fail(f"no reply from {args.host}:{args.port} within {args.timeout:g} seconds")
    except UnicodeError:
        return fail("a message to send is not valid UTF-8")
    except OSError as error:
        return fail(f"connection to {args.host}:{args.port} lost: {error.strerror or error}")
    return 1 if wrong_replies else 0


if __name__ == "__main__":
    sys.exit(main())
