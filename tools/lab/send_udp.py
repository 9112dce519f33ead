#!/usr/bin/python3
"""Sends IPv6/UDP frames of exact sizes straight onto a link with scapy.

Raw frames, so the sender's own path MTU cache (which the first Packet Too
Big fills) never shrinks or refuses them: every frame leaves at the size
asked for. Run inside the sending namespace; /usr/bin/python3 has scapy.
"""
import argparse
import sys

from scapy.all import IPv6, UDP, Ether, Raw, get_if_hwaddr, sendp  # noqa: E402

IPV6_HEADER = 40
UDP_HEADER = 8


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iface", required=True, help="interface to send on")
    ap.add_argument("--dst-mac", required=True, help="the router's MAC on that link")
    ap.add_argument("--src", required=True, help="IPv6 source")
    ap.add_argument("--dst", required=True, help="IPv6 destination")
    ap.add_argument("--size", type=int, required=True, help="IPv6 packet length, header included")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--dport", type=int, default=9, help="UDP destination port (default: discard)")
    ap.add_argument("--hlim", type=int, default=64)
    args = ap.parse_args()
    if not IPV6_HEADER + UDP_HEADER <= args.size <= 65535:
        print(f"send_udp: size {args.size} out of range 48..65535", file=sys.stderr)
        return 2
    payload = Raw(b"\xa5" * (args.size - IPV6_HEADER - UDP_HEADER))
    frame = (Ether(src=get_if_hwaddr(args.iface), dst=args.dst_mac)
             / IPv6(src=args.src, dst=args.dst, hlim=args.hlim)
             / UDP(sport=40000, dport=args.dport) / payload)
    sendp(frame, iface=args.iface, count=args.count, verbose=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
