#!/usr/bin/env python3
"""reqresp server: request and response over TCP (an echo server).

The server waits for ONE client (listen(1), then accept()). For every message
the client sends, it prints the message and sends the same message back.
When the client closes the connection, the server closes its side and exits.

In a packet capture you see, for each message: the client's data (PSH, ACK),
the server's echo (PSH, ACK) and the client's acknowledgement (ACK).

TCP carries a stream of bytes, not separate messages, so every message (in
both directions) travels as one line: its UTF-8 text, then a newline.
"hello" travels as hello\\n, and Wireshark shows the text as it was typed.
A message is at most MAX_MESSAGE_BYTES bytes long (the newline not counted).
"""
import argparse
import socket
import sys

DEFAULT_PORT = 2222
MAX_MESSAGE_BYTES = 65536  # the longest message, in UTF-8 bytes, without its newline


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


def serve(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server_socket:
        server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server_socket.bind((host, port))
        except OSError as error:
            raise LabError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        server_socket.listen(1)
        print(f"Server listening on {host}:{server_socket.getsockname()[1]}", flush=True)
        conn, address = server_socket.accept()

    with conn, conn.makefile("rb") as reader:
        print(f"Connection from {address[0]}:{address[1]}", flush=True)
        while True:
            message = receive_line(reader, MAX_MESSAGE_BYTES)
            if message is None:
                break
            print(f"Received from client: {message}", flush=True)
            send_line(conn, message)
    print("Client closed the connection", flush=True)


def main():
    parser = argparse.ArgumentParser(description="reqresp TCP echo server (serves one client).")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on, 0 = any free port (default {DEFAULT_PORT})")
    args = parser.parse_args()
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")

    try:
        serve(args.host, args.port)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except LabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: connection to client lost: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
