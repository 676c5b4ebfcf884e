"""Talks to a listener on 127.0.0.1 over TCP and UDP."""
import socket

PORT = int("__PORT__")


def tcp_connect():
    with socket.create_connection(("127.0.0.1", PORT), timeout=2) as s:
        s.sendall(b"hello from the sandbox")
    return True


def udp_send():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"hello from the sandbox", ("127.0.0.1", PORT))
    return True


ATTACKS = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_")}
