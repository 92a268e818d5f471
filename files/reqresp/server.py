#!/usr/bin/env python3
"""reqresp server: request and response over TCP (an echo server).

The server waits for ONE client (listen(1), then accept()). For every message
the client sends, it prints the message and sends the same message back.
When the client closes the connection, the server closes its side and exits.

In a packet capture you see, for each message: the client's data (PSH, ACK),
the server's echo (PSH, ACK) and the client's acknowledgement (ACK).

TCP carries a stream of bytes, not separate messages, so every message (in
both directions) is framed as a netstring: the number of UTF-8 bytes, ':',
the bytes, ','. "hello" travels as 5:hello, and the empty message as 0:,
"""
import argparse
import socket
import sys

DEFAULT_PORT = 2222


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
            message = receive_message(reader)
            if message is None:
                break
            print(f"Received from client: {message}", flush=True)
            send_message(conn, message)
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
