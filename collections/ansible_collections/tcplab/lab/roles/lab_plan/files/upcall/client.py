#!/usr/bin/env python3
"""upcall client: the server calls back the client over TCP.

The client connects to the upcall server and sends each message; the server
answers with a callback (an "upcall"): "Upcall event: Processing <message>".
The client checks every callback before sending the next message. After the
last message the client closes the connection, so it sends the first FIN.

Messages come from the command line, else --file (one per line), else piped
stdin, else the keyboard; a line "exit" stops. Each message, both ways, travels
as one line: its UTF-8 text, then a newline ("hi" is hi\\n). So a message is
one line of text (no newline or carriage return in it) of at most
MAX_MESSAGE_BYTES bytes; the client refuses any other before it connects.
"""
import argparse
import socket
import sys

DEFAULT_PORT = 4141
MAX_MESSAGE_BYTES = 65536  # the longest message, in UTF-8 bytes, without its newline
REPLY_PREFIX = "Upcall event: Processing "
MAX_REPLY_BYTES = len(REPLY_PREFIX) + MAX_MESSAGE_BYTES  # a callback is longer than its message
PROMPT = "Enter message (exit to quit): "


class LabError(Exception):
    """A problem reported as one line on stderr (exit status 1)."""


def send_line(sock, text):
    """Send text as one line, e.g. 'hello' -> b'hello\\n'."""
    sock.sendall(text.encode("utf-8") + b"\n")


def receive_line(reader, limit):
    """Read one line from reader (sock.makefile("rb")); None if the peer closed.

    readline() waits until the newline has arrived, so a message split over
    many TCP segments comes out whole, and several messages that arrived in one
    segment come out one by one. It reads at most limit + 1 bytes, so a line
    that never ends cannot fill the memory.
    """
    line = reader.readline(limit + 1)
    if line == b"":
        return None
    if not line.endswith(b"\n"):
        if len(line) > limit:
            raise LabError(f"the other side sent a line longer than {limit} bytes (the limit)")
        raise LabError("the other side closed the connection in the middle of a message")
    try:
        return line[:-1].decode("utf-8")
    except UnicodeDecodeError:
        raise LabError("message is not valid UTF-8") from None


def expected_reply(message):
    return REPLY_PREFIX + message


def quoted(text, limit=60):
    """text as a one-line quoted string, shortened when long (for error lines)."""
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def check_message(message):
    """Refuse a message that cannot travel as one line of at most MAX_MESSAGE_BYTES."""
    if "\n" in message or "\r" in message:
        raise LabError(f"message {quoted(message)} has a line break in it; "
                       f"a message is one line (no \\n or \\r)")
    size = len(message.encode("utf-8"))
    if size > MAX_MESSAGE_BYTES:
        raise LabError(f"message {quoted(message)} is {size} bytes long in UTF-8; "
                       f"the longest message is {MAX_MESSAGE_BYTES} bytes")


def lines_until_exit(lines):
    """Each line without its line end, stopping at a line that is exactly 'exit'."""
    for line in lines:
        line = line.removesuffix("\n").removesuffix("\r")  # "\r\n" ends a line too
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
            check_message(message)  # typed messages are checked here, as they come
            send_line(sock, message)
            reply = receive_line(reader, MAX_REPLY_BYTES)
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
    parser.add_argument("messages", nargs="*", metavar="MESSAGE",
                        help="messages to send, in order (put -- before them if one starts with -)")
    args = parser.parse_args()
    if not 1 <= args.port <= 65535 or args.timeout <= 0:
        parser.error("--port must be 1-65535 and --timeout more than 0")

    try:
        if args.messages or args.file or not sys.stdin.isatty():
            # Messages given up front are all read and checked before connecting.
            if args.messages:
                messages = args.messages
            elif args.file:
                messages = list(lines_until_exit(args.file))
            else:
                messages = list(lines_until_exit(sys.stdin))
            for message in messages:
                check_message(message)
        else:
            messages = lines_until_exit(typed_lines())
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
