// SPDX-License-Identifier: MIT
/* Trace and span ids (span_ids.h). */
#include "export/span_ids.h"

#include "common/hex.h"

int otlp_hex_parse(const char *hex, uint8_t *id, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = keke_hex_value(hex[2 * i]);
		int lo = hi < 0 ? -1 : keke_hex_value(hex[2 * i + 1]);

		if (lo < 0)
			return -1;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return hex[2 * n] ? -1 : 0;
}

void otlp_hex_format(char *hex, const uint8_t *id, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[id[i] >> 4];
		hex[2 * i + 1] = digits[id[i] & 15];
	}
	hex[2 * n] = '\0';
}

bool otlp_id_is_zero(const uint8_t *id, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (id[i])
			return false;
	return true;
}

/* splitmix64's finalizer: every input bit reaches every output bit. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void otlp_derive_span_id(const uint8_t trace_id[16], int64_t slice_id,
			 uint8_t span_id[8])
{
	uint64_t h = 0x6b656b65ull;	/* "keke" */

	for (int i = 0; i < 16; i++)
		h = mix(h ^ trace_id[i] ^ (uint64_t)i << 8);
	h = mix(h ^ (uint64_t)slice_id);
	if (!h)
		h = 1;
	for (int i = 0; i < 8; i++)
		span_id[i] = (uint8_t)(h >> (56 - 8 * i));
}
