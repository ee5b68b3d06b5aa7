// SPDX-License-Identifier: MIT
/* A keke.db exported as OpenTelemetry spans (otlp_send.h). */
#include "otlp_send.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "common/fmt_dur.h"
#include "export/otlp.h"
#include "export/otlp_file.h"
#include "otlp_env.h"
#include "otlp_http.h"

/* Says what went where: "keke: sent 12 spans (3 processes ...) to X". */
static void print_sent(const char *verb, const char *where,
		       const struct keke_otlp_target *t,
		       const struct keke_otlp_stats *st)
{
	char dur[KEKE_FMT_DUR_MAX];

	if (t->quiet)
		return;
	keke_fmt_dur(dur, (int64_t)t->min_dur_ns);
	fprintf(stderr, "keke: %s %s: %" PRIu64 " %s (%" PRIu64 " %s, %"
		PRIu64 " %s under %s left out, %" PRIu64 " %s)", verb, where,
		st->spans, keke_plural(st->spans, "span", "spans"),
		st->images, keke_plural(st->images, "process image",
					"process images"),
		st->left_out, keke_plural(st->left_out, "call", "calls"), dur,
		st->links, keke_plural(st->links, "link", "links"));
	if (st->requests > 1)
		fprintf(stderr, " in %" PRIu64 " requests", st->requests);
	fputc('\n', stderr);
}

/* The options every target shares. */
static struct keke_otlp_options options_of(const char *db,
					   const struct keke_otlp_target *t)
{
	const char *service = getenv("OTEL_SERVICE_NAME");

	return (struct keke_otlp_options){
		.db = db,
		.min_dur_ns = t->min_dur_ns,
		.service_name = service && *service ? service : NULL,
		.request_max = KEKE_OTLP_REQUEST_MAX,
	};
}

static int to_file(const char *db, const struct keke_otlp_target *t)
{
	struct keke_otlp_stats st;
	char err[KEKE_OTLP_ERROR_MAX];

	if (keke_otlp_write_file(t->file, options_of(db, t), &st, err)) {
		fprintf(stderr, "keke: OTLP file %s NOT written: %s\n",
			t->file, err);
		return -1;
	}
	print_sent("wrote", t->file, t, &st);
	return 0;
}

static int to_endpoint(const char *db, const struct keke_otlp_target *t)
{
	struct keke_otlp_options o = options_of(db, t);
	struct keke_otlp_stats st;
	struct keke_otlp_http *h = NULL;
	char err[KEKE_OTLP_ERROR_MAX], **headers;
	int rc = -1;

	if (keke_otlp_env_headers(&headers, err, sizeof(err)) != 0 ||
	    !(h = keke_otlp_http_new(t->endpoint, headers, err,
				     sizeof(err))))
		goto out;
	o.encoding = KEKE_OTLP_PROTOBUF;
	o.deliver = keke_otlp_http_send;
	o.ctx = h;
	rc = keke_otlp_export(&o, &st, err);
out:
	if (rc == 0)
		print_sent("sent to", t->endpoint, t, &st);
	else
		fprintf(stderr, "keke: spans NOT sent to OTLP endpoint %s: "
			"%s\n", t->endpoint, err);
	keke_otlp_http_free(h);
	keke_otlp_headers_free(headers);
	return rc;
}

int keke_otlp_send(const char *db, const struct keke_otlp_target *t)
{
	int rc = 0;

	if (t->file && to_file(db, t) != 0)
		rc = -1;
	if (t->endpoint && to_endpoint(db, t) != 0)
		rc = -1;
	return rc;
}
