#!/usr/bin/env python3
"""The course's original upcall client, as the seeds describe it: it sends each line the user
types as bare text (one send, no newline), reads the callback with one recv(1024) and prints
"Received upcall from server: ...", until the input ends (Ctrl+D, or the end of piped input).

The only change: host and port are arguments.  usage: seed_upcall_client.py HOST PORT
"""
import socket
import sys


def client_program(host, port):
    client_socket = socket.socket()
    client_socket.connect((host, port))
    while True:
        try:
            message = input(" -> ")
        except EOFError:
            break
        client_socket.send(message.encode())
        data = client_socket.recv(1024).decode()
        print("Received upcall from server: " + data, flush=True)
    client_socket.close()


if __name__ == "__main__":
    client_program(sys.argv[1], int(sys.argv[2]))
