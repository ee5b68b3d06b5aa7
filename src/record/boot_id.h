/* SPDX-License-Identifier: MIT */
/*
 * The kernel's boot id (/proc/sys/kernel/random/boot_id): a random UUID
 * drawn at each boot, so that two files carrying the same one were written
 * under one CLOCK_MONOTONIC. The record header keeps its 16 bytes
 * (record.h, boot_id); all zeros: unknown (a file of an older version).
 */
#ifndef KEKE_BOOT_ID_H
#define KEKE_BOOT_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel's file holding it. */
#define KEKE_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

/* Length of its text: 8-4-4-4-12 hex digits. */
#define KEKE_BOOT_ID_TEXT 36

/*
 * Reads the @len bytes of @text, the UUID as the kernel writes it (36
 * characters, lower or upper case hex, possibly followed by a newline),
 * into @id. Returns 0, or -1 (@id unchanged) when @text is anything else.
 * Uses no libc function: libkeke.so calls it at start-up (text.h).
 */
int keke_boot_id_parse(const char *text, size_t len, uint8_t id[16]);

/* @id as the kernel writes it, into @text (37 bytes with the NUL). */
void keke_boot_id_format(const uint8_t id[16], char text[37]);

/* Whether @id is all zeros: not recorded. */
bool keke_boot_id_unknown(const uint8_t id[16]);

#endif
