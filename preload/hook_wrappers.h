/* SPDX-License-Identifier: MIT */
/*
 * The generated wrappers of one family (hook.h): a family file (file.c,
 * net.c, ...) includes this last, after the record_<how>() functions its
 * lines in hooks.def name. No include guard: it emits code.
 */
#define KEKE_HOOK KEKE_HOOK_EMIT
#define KEKE_HOOK_PRE KEKE_HOOK_PRE_EMIT
#define KEKE_HOOK_HAND(...)
#define KEKE_HOOKED(...)
#include "hooks.def"
#undef KEKE_HOOKED
