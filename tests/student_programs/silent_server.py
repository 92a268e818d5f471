#!/usr/bin/env python3
"""The lab's server of a scenario (files/<scenario>/server.py), except that it never answers one
message: a broken server for the tests, to make a capture whose last reply is missing.

    silent_server.py SCENARIO NUMBER [server options...]

Runs files/<SCENARIO>/server.py as it is, with its send_line replaced so that the reply to the
client's message NUMBER (1-based) is never sent; every other message is answered as usual.
"""
import importlib.util
import sys
from pathlib import Path

FILES = Path(__file__).resolve().parents[2] / "collections/ansible_collections/tcplab/lab/roles/lab_plan/files"


def main() -> int:
    scenario, silent = sys.argv[1], int(sys.argv[2])
    spec = importlib.util.spec_from_file_location("server", FILES / scenario / "server.py")
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    send_line, replies = server.send_line, 0

    def send_all_but_one(sock, text):
        nonlocal replies
        replies += 1
        if replies != silent:
            send_line(sock, text)

    server.send_line = send_all_but_one
    sys.argv = [str(FILES / scenario / "server.py"), *sys.argv[3:]]
    return server.main()


if __name__ == "__main__":
    sys.exit(main())
