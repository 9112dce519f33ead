#!/usr/bin/python3
"""A bulk TCP transfer over IPv6 that reports how much arrived.

    tcp_transfer.py receive PORT IDLE_SECONDS
        accepts one connection, reads until EOF or IDLE_SECONDS without
        data, prints the byte count (0 when nobody connected in time).
    tcp_transfer.py send ADDRESS PORT BYTES SECONDS
        sends BYTES within SECONDS; exits 0 when all were sent and
        acknowledged by the close, 1 when it stalled.
"""
import socket
import sys
import time


def receive(port, idle):
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("::", port))
    srv.listen(1)
    srv.settimeout(idle * 2)
    total = 0
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        print(total, flush=True)
        return
    conn.settimeout(idle)
    try:
        while True:
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            total += len(chunk)
    except (socket.timeout, ConnectionError):
        pass
    print(total, flush=True)


def send(address, port, count, seconds):
    deadline = time.monotonic() + seconds
    s = socket.create_connection((address, port), timeout=seconds)
    block = b"\x5a" * (1 << 16)
    sent = 0
    try:
        while sent < count:
            s.settimeout(max(deadline - time.monotonic(), 0.01))
            sent += s.send(block[: min(len(block), count - sent)])
        # The close waits for the receiver's FIN: all of it arrived.
        s.shutdown(socket.SHUT_WR)
        s.settimeout(max(deadline - time.monotonic(), 0.01))
        while s.recv(1 << 16):
            pass
    except (socket.timeout, ConnectionError) as e:
        print(f"stalled after {sent} of {count} bytes: {e}", file=sys.stderr)
        return 1
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "receive":
        receive(int(sys.argv[2]), float(sys.argv[3]))
        return 0
    if len(sys.argv) == 6 and sys.argv[1] == "send":
        return send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
