#!/usr/bin/env python3
"""A server that speaks first, as SMTP and FTP servers do: a greeting line, then an echo of each
line, for the tests (the analyzer must not take the greeting for a reply).

    banner_server.py HOST PORT

Prints "Server listening on HOST:PORT" once it listens, serves one client, then exits.
"""
import socket
import sys


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1)
        print(f"Server listening on {host}:{port}", flush=True)
        conn, _ = listener.accept()
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 tcplab ready\n")
            for line in lines:
                conn.sendall(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
