/* SPDX-License-Identifier: MIT */
/* Trace and span ids: as hex text, and span ids derived from slices. */
#ifndef KEKE_EXPORT_SPAN_IDS_H
#define KEKE_EXPORT_SPAN_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads 2 * @n hex digits (and nothing more) from @hex into @id (@n bytes).
 * Returns 0, or -1 when @hex is anything else. */
int otlp_hex_parse(const char *hex, uint8_t *id, size_t n);

/* Writes @n bytes of @id as 2 * @n lowercase hex digits and a NUL. */
void otlp_hex_format(char *hex, const uint8_t *id, size_t n);

/* Whether all @n bytes of @id are zero (no id). */
bool otlp_id_is_zero(const uint8_t *id, size_t n);

/* The span id of slice @slice_id of the trace @trace_id: a hash of both,
 * the same on every export, never all zeros. */
void otlp_derive_span_id(const uint8_t trace_id[16], int64_t slice_id,
			 uint8_t span_id[8]);

#endif
