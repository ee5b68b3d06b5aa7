/* SPDX-License-Identifier: MIT */
/*
 * A keke.db exported as OpenTelemetry spans to where `keke export` and
 * `keke run` are told: an OTLP file, an OTLP/HTTP endpoint, or both;
 * what was sent, or why not, said on stderr.
 */
#ifndef KEKE_OTLP_SEND_H
#define KEKE_OTLP_SEND_H

#include <stdbool.h>
#include <stdint.h>

/* The default of --min-dur: calls shorter are left out of the spans. */
#define KEKE_OTLP_MIN_DUR_NS 1000000ull

struct keke_otlp_target {
	const char *file;	/* --otlp FILE, or NULL */
	const char *endpoint;	/* --otlp-endpoint URL, or NULL */
	uint64_t min_dur_ns;
	bool quiet;		/* say nothing when it went well */
};

/*
 * Exports @db to @t (service.name from OTEL_SERVICE_NAME when set;
 * headers from the environment, otlp_env.h). Returns 0, or -1 after
 * saying on stderr which target failed and why (the others are still
 * written).
 */
int keke_otlp_send(const char *db, const struct keke_otlp_target *t);

#endif
