#!/usr/bin/env python3
"""A plain line client for the tests: connects, optionally with data in its SYN (TCP Fast
Open), sends each message as a line and reads one line back after each, then closes.

    line_client.py HOST PORT [--fastopen] [--greeting] MESSAGE...

--greeting reads one line (the server's greeting) before sending. Prints each line it reads.
"""
import socket
import sys


def main() -> int:
    args = sys.argv[1:]
    fastopen = "--fastopen" in args
    greeting = "--greeting" in args
    host, port, *messages = [a for a in args if not a.startswith("--")]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        lines = sock.makefile("rb")
        first, rest = messages[0], messages[1:]
        if fastopen:  # the first message rides in the SYN
            sock.sendto(first.encode() + b"\n", socket.MSG_FASTOPEN, (host, int(port)))
        else:
            sock.connect((host, int(port)))
        if greeting:
            print(lines.readline().decode().rstrip("\n"), flush=True)
        if not fastopen:
            sock.sendall(first.encode() + b"\n")
        print(lines.readline().decode().rstrip("\n"), flush=True)
        for message in rest:
            sock.sendall(message.encode() + b"\n")
            print(lines.readline().decode().rstrip("\n"), flush=True)
        lines.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
