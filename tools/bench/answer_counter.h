/* SPDX-License-Identifier: GPL-2.0-only */
/* The slots of answer_counter.bpf.c's per-CPU array. */
#ifndef PG_BENCH_ANSWER_COUNTER_H
#define PG_BENCH_ANSWER_COUNTER_H

enum answer_kind {
	ANSWER_PTB,       /* ICMPv6 Packet Too Big */
	ANSWER_REFLECTED, /* the UDP frame itself, sent back by the reflector */
	ANSWER_COUNTER_MAX,
};

#endif
