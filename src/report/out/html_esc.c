// SPDX-License-Identifier: MIT
/*
 * Text into HTML (and inline SVG): the five characters markup gives a
 * meaning escaped, control bytes written as a terminal shows them.
 */
#include "report/out/html.h"

#include "common/tty.h"

void rp_html_esc(FILE *f, const char *s)
{
	char unit[KEKE_TTY_UNIT_MAX];
	size_t n;

	while (*s) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		case '\\':
			fputc('\\', f);
			break;
		default:
			s += keke_tty_unit(s, unit, &n);
			fwrite(unit, 1, n, f);
			continue;
		}
		s++;
	}
}
