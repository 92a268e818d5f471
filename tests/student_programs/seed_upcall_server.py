#!/usr/bin/env python3
"""The course's original upcall server, as the seeds describe it (shared/seeds/README.md and
upcall.md): socket.socket(), listen(1), accept(), one recv(1024) per message, the callback
"Upcall event: Processing " + message sent back as bare text (no newline, no framing).

Two changes for the tests: the port is an argument (the original has 4141 written in), so a
free one can be used, and it says when it listens.  usage: seed_upcall_server.py PORT
"""
import socket
import sys


def server_program(port):
    server_socket = socket.socket()
    server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server_socket.bind(("0.0.0.0", port))
    server_socket.listen(1)
    print(f"Server listening on 0.0.0.0:{port}", flush=True)
    conn, address = server_socket.accept()
    print("Connection from: " + str(address), flush=True)
    while True:
        data = conn.recv(1024).decode()
        if not data:
            break
        print("Received from client: " + str(data), flush=True)
        conn.send(("Upcall event: Processing " + data).encode())
    conn.close()


if __name__ == "__main__":
    server_program(int(sys.argv[1]))
