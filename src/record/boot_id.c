// SPDX-License-Identifier: MIT
#include "record/boot_id.h"

#include "record/once.h"

/* Where the dashes stand in the text form. */
static KEKE_ONCE bool is_dash_at(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

static KEKE_ONCE int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

KEKE_ONCE int keke_boot_id_parse(const char *text, size_t len,
				 uint8_t id[16])
{
	uint8_t out[16];
	size_t n = 0;

	if (len < KEKE_BOOT_ID_TEXT ||
	    (len > KEKE_BOOT_ID_TEXT &&
	     (len != KEKE_BOOT_ID_TEXT + 1 || text[KEKE_BOOT_ID_TEXT] != '\n')))
		return -1;
	for (size_t i = 0; i < KEKE_BOOT_ID_TEXT; i++) {
		int v;

		if (is_dash_at(i)) {
			if (text[i] != '-')
				return -1;
			continue;
		}
		v = hex_value(text[i]);
		if (v < 0)
			return -1;
		if (n % 2)
			out[n / 2] |= (uint8_t)v;
		else
			out[n / 2] = (uint8_t)(v << 4);
		n++;
	}
	for (size_t i = 0; i < sizeof(out); i++)
		id[i] = out[i];
	return 0;
}

void keke_boot_id_format(const uint8_t id[16], char text[37])
{
	static const char digits[] = "0123456789abcdef";
	size_t n = 0;

	for (size_t i = 0; i < KEKE_BOOT_ID_TEXT; i++) {
		if (is_dash_at(i)) {
			text[i] = '-';
			continue;
		}
		text[i] = digits[n % 2 ? id[n / 2] & 15 : id[n / 2] >> 4];
		n++;
	}
	text[KEKE_BOOT_ID_TEXT] = '\0';
}

bool keke_boot_id_unknown(const uint8_t id[16])
{
	for (size_t i = 0; i < 16; i++)
		if (id[i])
			return false;
	return true;
}
