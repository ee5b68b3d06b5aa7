// SPDX-License-Identifier: MIT
/*
 * A library with nothing in it: preloaded, it shows what LD_PRELOAD alone
 * costs (ld.so opening and mapping one more object in every process), the
 * floor under any tracer that works by preloading.
 */
int keke_bench_empty_preload;
