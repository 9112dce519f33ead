/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A frame's length and first bytes, as the benchmark built it: what
 * rearm.bpf.c and trafficgen.bpf.c put back when the frame they are handed
 * was rewritten by an earlier run. Every rewrite measured here (hop limit,
 * MACs, addresses, a PTB's new headers) lies within these bytes.
 */
#ifndef PG_BENCH_FRAME_HEAD_H
#define PG_BENCH_FRAME_HEAD_H

#define FRAME_HEAD_LEN 64

struct frame_head {
	__u32 len;
	__u8 bytes[FRAME_HEAD_LEN];
};

#endif
