#!/usr/bin/python3
"""A flood of oversize IPv6 packets from many spoofed sources, one /64 each.

Sends ICMPv6 echo requests of --size bytes of IPv6 from DST's side of the
link out of IFACE (raw AF_PACKET, no scapy: one frame, four bytes of its
source rewritten per packet), cycling through --sources source prefixes
2001:db8:8000::/33 split into /64s, until --duration seconds have passed.
Prints the number of frames sent and the rate. Run it in the sender's
namespace: ip netns exec NS flood.py --iface h1-r --dst-mac ... --dst ...
"""
import argparse
import socket
import struct
import time

ETH_P_IPV6 = 0x86DD


def mac_bytes(text):
    return bytes(int(part, 16) for part in text.split(":"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iface", required=True)
    parser.add_argument("--dst-mac", required=True, help="the router's MAC on IFACE's link")
    parser.add_argument("--dst", required=True, help="IPv6 destination behind the narrow link")
    parser.add_argument("--sources", type=int, default=100000, help="distinct /64 source prefixes")
    parser.add_argument("--size", type=int, default=1400, help="bytes of IPv6 per packet")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds")
    args = parser.parse_args()
    if not 0 < args.sources <= 1 << 31:
        parser.error("--sources must be 1..2^31")

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((args.iface, 0))
    src_mac = sock.getsockname()[4]

    payload_len = args.size - 40
    echo = struct.pack("!BBHHH", 128, 0, 0, 0x4242, 1) + bytes(payload_len - 8)
    frame = bytearray(
        mac_bytes(args.dst_mac) + src_mac + struct.pack("!H", ETH_P_IPV6)
        + struct.pack("!IHBB", 6 << 28, payload_len, 58, 64)
        + socket.inet_pton(socket.AF_INET6, "2001:db8:8000::1")
        + socket.inet_pton(socket.AF_INET6, args.dst)
        + echo
    )
    # Bytes 4..7 of the source address pick the /64: 2001:db8:8000+hi:lo::1.
    prefix_at = 14 + 8 + 4

    sent = 0
    start = time.monotonic()
    deadline = start + args.duration
    while time.monotonic() < deadline:
        for _ in range(1000):
            i = sent % args.sources
            frame[prefix_at:prefix_at + 4] = struct.pack("!HH", 0x8000 + (i >> 16), i & 0xFFFF)
            sock.send(frame)
            sent += 1
    elapsed = time.monotonic() - start
    print(f"sent {sent} frames from {min(sent, args.sources)} sources in {elapsed:.2f} s ({sent / elapsed:.0f}/s)")


if __name__ == "__main__":
    main()
