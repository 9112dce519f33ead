/* SPDX-License-Identifier: GPL-2.0-only */
/* Protocol numbers and bounds that vmlinux.h does not carry (they are macros). */
#ifndef PG_CONSTS_H
#define PG_CONSTS_H

#define ETH_ALEN 6
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

#define IPPROTO_HOPOPTS 0
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_ICMPV6 58
#define IPPROTO_DSTOPTS 60

#define AF_INET6 10

#define ICMPV6_PKT_TOOBIG 2
#define ICMPV6_INFOMSG_MASK 0x80 /* types below 128 are errors */

#define PG_MAX_VLAN_TAGS 2
#define PG_MAX_EXT_HEADERS 8
/* Past this offset the upper layer is not looked for: it is beyond any quote. */
#define PG_MAX_EXT_OFFSET 1024
#define PG_PTB_HOP_LIMIT 255

struct pg_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct pg_icmp6_ptb {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 mtu;
};

#endif
