// SPDX-License-Identifier: MIT
/* Where OTLP/HTTP spans go, from the environment (otlp_env.h). */
#include "otlp_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"

int keke_otlp_env_endpoint(char *url, size_t size)
{
	const char *traces = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	const char *base = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	size_t n;
	int len;

	if (traces && *traces)
		len = snprintf(url, size, "%s", traces);
	else if (base && *base) {
		n = strlen(base);
		while (n && base[n - 1] == '/')
			n--;
		len = snprintf(url, size, "%.*s/v1/traces", (int)n, base);
	} else {
		return -1;
	}
	return len > 0 && (size_t)len < size ? 0 : -1;
}

/* The @n bytes at @s URL-decoded and trimmed of blanks into @out (room
 * for @n + 1). Returns -1 on a bad %-escape or a control character,
 * which a header cannot hold. */
static int url_decode(const char *s, size_t n, char *out)
{
	size_t k = 0;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi = i + 2 < n ? keke_hex_value(s[i + 1]) : -1;
			int lo = hi < 0 ? -1 : keke_hex_value(s[i + 2]);

			if (lo < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return 0;
}

/* Appends "key: value" from the entry @e (@n bytes) to @list. */
static int add_header(char ***list, size_t *len, const char *e, size_t n)
{
	const char *eq = memchr(e, '=', n);
	char *key, *value, *line = NULL, **l;
	int rc = -1;

	if (!eq)
		return -1;
	key = malloc(n + 1);
	value = malloc(n + 1);
	if (!key || !value ||
	    url_decode(e, (size_t)(eq - e), key) != 0 ||
	    url_decode(eq + 1, n - (size_t)(eq - e) - 1, value) != 0 ||
	    !key[0] || strchr(key, ':') ||
	    asprintf(&line, "%s: %s", key, value) < 0)
		goto out;
	l = realloc(*list, (*len + 2) * sizeof(*l));
	if (!l) {
		free(line);
		goto out;
	}
	l[(*len)++] = line;
	l[*len] = NULL;
	*list = l;
	rc = 0;
out:
	free(key);
	free(value);
	return rc;
}

int keke_otlp_env_headers(char ***headers, char *err, size_t size)
{
	const char *s = getenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS");
	const char *var = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
	size_t len = 0;

	*headers = calloc(1, sizeof(**headers));
	if (!*headers) {
		snprintf(err, size, "out of memory");
		return -1;
	}
	if (!s || !*s) {
		s = getenv("OTEL_EXPORTER_OTLP_HEADERS");
		var = "OTEL_EXPORTER_OTLP_HEADERS";
	}
	while (s && *s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);

		if (n && strspn(s, " \t") < n &&
		    add_header(headers, &len, s, n) != 0) {
			snprintf(err, size, "%s: '%.*s' is not key=value "
				 "(URL-encoded)", var, (int)n, s);
			keke_otlp_headers_free(*headers);
			*headers = NULL;
			return -1;
		}
		s = comma ? comma + 1 : NULL;
	}
	return 0;
}

void keke_otlp_headers_free(char **headers)
{
	for (size_t i = 0; headers && headers[i]; i++)
		free(headers[i]);
	free(headers);
}
