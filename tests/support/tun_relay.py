#!/usr/bin/python3
"""A point-to-point IP tunnel between two network namespaces, made of one tun
device in each (bare IP frames, link/none, as WireGuard or an ip6tnl carries
them) and this process copying packets between them. This kernel has no
ip6tnl, sit or GRE modules; tun is what a VPN daemon uses anyway.

    tun_relay.py NETNS_A DEV_A NETNS_B DEV_B

Creates DEV_A in /run/netns/NETNS_A and DEV_B in /run/netns/NETNS_B, prints
"ready" once both exist, and relays until killed; the devices go with it.
"""
import ctypes
import fcntl
import os
import select
import struct
import sys

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000

libc = ctypes.CDLL(None, use_errno=True)


def enter_netns(name):
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns into {name}: {os.strerror(err)}")
    finally:
        os.close(fd)


def open_tun(netns, dev):
    enter_netns(netns)
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: tun_relay.py NETNS_A DEV_A NETNS_B DEV_B")
    a = open_tun(sys.argv[1], sys.argv[2])
    b = open_tun(sys.argv[3], sys.argv[4])
    peer = {a: b, b: a}
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([a, b], [], [])
        for fd in readable:
            try:
                os.write(peer[fd], os.read(fd, 65536))
            except OSError:
                pass  # the far device is down: a tunnel drops, it does not stop


if __name__ == "__main__":
    main()
