// SPDX-License-Identifier: MIT
/*
 * W3C trace context in and out: a run started with TRACEPARENT continues
 * that trace under the span it names; a user's KEKE_TRACE_ID is kept; a
 * malformed TRACEPARENT is ignored with one warning; with --traceparent
 * every process, however started, gets TRACEPARENT naming its own span
 * (the span_id of its row in keke.db); without it the programs' own
 * TRACEPARENT, TRACESTATE and BAGGAGE reach their children untouched.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "record/reader.h"
#include "record/trace_context.h"

#define TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define PARENT "00f067aa0ba902b7"
#define TRACEPARENT "00-" TRACE "-" PARENT "-01"
#define STATE "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
/* What traceparent_children sets itself with "own". */
#define OWN_PARENT "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
#define OWN_STATE "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"
#define OWN_BAGGAGE "userId=alice,serverNode=DF%2028,isProduction=false"

static char *out;

/* Each test starts from an environment without trace context. */
static void setup(void)
{
	out = test_tmpdir();
	unsetenv("TRACEPARENT");
	unsetenv("TRACESTATE");
	unsetenv("BAGGAGE");
	unsetenv("KEKE_TRACE_ID");
	unsetenv("KEKE_TRACEPARENT");
}

static void teardown(void)
{
	test_rm_rf(out);
	free(out);
}

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* `keke run -q --no-json --db OUT/t.db OPTS -- CMD` */
static struct outcome keke_run(const char *opts, const char *cmd)
{
	return sh(fmt("'%s' run -q --no-json --db '%s' %s -- %s",
		      test_keke_bin(), db(), opts, cmd));
}

/* A metadata string of keke.db, or NULL. */
static char *meta(const char *name)
{
	return test_db_str(db(), fmt("SELECT str_value FROM metadata WHERE "
				     "name = '%s'", name));
}

/* The span_id arg of the process @pid (its latest row). */
static char *span_of(int pid)
{
	return test_db_str(db(), fmt("SELECT a.string_value FROM process p "
				     "JOIN args a USING (arg_set_id) WHERE "
				     "p.pid = %d AND a.key = 'span_id' "
				     "ORDER BY p.upid DESC LIMIT 1", pid));
}

/* The one trace dir in @parent (a path in the test's memory). */
static const char *only_trace_dir(const char *parent)
{
	const char *found = NULL;
	struct dirent *e;
	DIR *d = opendir(parent);

	cr_assert(d, "%s", parent);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "keke-", 5)) {
			cr_assert_null(found, "two trace dirs in %s", parent);
			found = fmt("%s/%s", parent, e->d_name);
		}
	closedir(d);
	cr_assert(found, "no trace dir in %s", parent);
	return found;
}

/* How many times @needle is in @hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* One line of traceparent_children. */
struct shown {
	char how[32];
	int pid;
	char parent[128], state[128], baggage[128];
};

/* The lines of traceparent_children's output into @s (8 at most), split
 * at spaces but for the last two fields, which may hold some. Returns
 * how many. */
static int parse_shown(const char *text, struct shown *s)
{
	int n = 0;
	const char *line = text;

	while (*line && n < 8) {
		const char *end = strchr(line, '\n');
		char buf[512];
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *f, *rest;

		cr_assert_lt(len, sizeof(buf), "line too long: %s", line);
		memcpy(buf, line, len);
		buf[len] = '\0';
		f = strtok_r(buf, " ", &rest);
		cr_assert(f, "empty line in: %s", text);
		snprintf(s[n].how, sizeof(s[n].how), "%s", f);
		s[n].pid = atoi(strtok_r(NULL, " ", &rest));
		snprintf(s[n].parent, sizeof(s[n].parent), "%s",
			 strtok_r(NULL, " ", &rest));
		/* TRACESTATE holds ", ": BAGGAGE is the last word. */
		f = strrchr(rest, ' ');
		cr_assert(f, "no BAGGAGE field in: %s", line);
		*f = '\0';
		snprintf(s[n].state, sizeof(s[n].state), "%s", rest);
		snprintf(s[n].baggage, sizeof(s[n].baggage), "%s", f + 1);
		n++;
		line = end ? end + 1 : line + len;
	}
	return n;
}

/* Checks that @s's TRACEPARENT is 00-<@trace>-<its span_id>-<@flags>. */
static void check_names_own_span(const struct shown *s, const char *trace,
				 const char *flags)
{
	char *span = span_of(s->pid);

	cr_assert(span, "%s (pid %d) has no span_id in keke.db", s->how,
		  s->pid);
	cr_assert_eq(strlen(span), 16, "span_id %s", span);
	cr_assert_str_eq(s->parent, fmt("00-%s-%s-%s", trace, span, flags),
			 "%s got TRACEPARENT %s; keke.db says its span is %s "
			 "of trace %s", s->how, s->parent, span, trace);
	free(span);
}

/* A quiet run @o, of trace TRACE, whose first process's span is a child
 * of PARENT, with @flags. */
static void check_continued(const struct outcome *o, int flags)
{
	cr_assert_eq(o->code, 0, "%s", o->err);
	cr_assert_str_empty(o->err);
	cr_assert_str_eq(meta("trace_id"), TRACE);
	cr_assert_str_eq(meta("remote_parent_span_id"), PARENT);
	cr_assert_eq(test_db_int(db(), "SELECT int_value FROM metadata WHERE "
				       "name = 'trace_flags'"), flags);
}

Test(trace_context, run_continues_the_span_traceparent_names,
     .init = setup, .fini = teardown)
{
	setenv("TRACEPARENT", TRACEPARENT, 1);
	setenv("TRACESTATE", STATE, 1);
	struct outcome o = keke_run("", fmt("'%s' show root",
					    test_prog("traceparent_children")));
	struct shown s[8];

	check_continued(&o, 1);
	cr_assert_str_eq(meta("trace_state"), STATE);
	/* On by default, TRACEPARENT being set: the root's own span. */
	cr_assert_eq(parse_shown(o.out, s), 1, "%s", o.out);
	check_names_own_span(&s[0], TRACE, "01");
	cr_assert_str_neq(s[0].parent, TRACEPARENT);
	cr_assert_str_eq(s[0].state, STATE, "TRACESTATE was changed");
	outcome_free(&o);
}

Test(trace_context, future_version_is_read_by_its_first_fields,
     .init = setup, .fini = teardown)
{
	setenv("TRACEPARENT", "cc-" TRACE "-" PARENT "-03-what-comes-next", 1);
	struct outcome o = keke_run("--no-traceparent", "true");

	check_continued(&o, 3);
	outcome_free(&o);
}

Test(trace_context, users_trace_id_is_kept, .init = setup, .fini = teardown)
{
	const char *mine = "0123456789abcdef0123456789abcdef";

	setenv("KEKE_TRACE_ID", mine, 1);
	struct outcome o = keke_run("", "sh -c 'echo $KEKE_TRACE_ID'");

	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert_str_eq(o.out, fmt("%s\n", mine));
	cr_assert_str_eq(meta("trace_id"), mine);
	outcome_free(&o);

	/* Over TRACEPARENT's too: its span, of another trace, is then no
	 * parent, and keke says so. */
	setenv("TRACEPARENT", TRACEPARENT, 1);
	o = keke_run("", "true");
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert_str_eq(meta("trace_id"), mine);
	cr_assert_null(meta("remote_parent_span_id"));
	cr_assert_eq(count(o.err, "keke:"), 1, "%s", o.err);
	outcome_free(&o);
}

/* Values W3C Trace Context says a reader must refuse. */
static const char *const malformed[] = {
	"",	/* set, but empty: as if unset, without a word */
	"garbage",
	"00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
	"00-00000000000000000000000000000000-" PARENT "-01",
	"00-" TRACE "-0000000000000000-01",
	"ff-" TRACE "-" PARENT "-01",
	"00-" TRACE "-" PARENT "-01-extra",
	"cc-" TRACE "-" PARENT "-01x",
	"00-" TRACE "-" PARENT "-1",
	"00_" TRACE "-" PARENT "-01",
	"00-" TRACE "-" PARENT,
	" 00-" TRACE "-" PARENT "-01",
	"0g-" TRACE "-" PARENT "-01",
};

Test(trace_context, malformed_traceparent_is_ignored_with_one_warning,
     .init = setup, .fini = teardown)
{
	for (size_t i = 0; i < sizeof(malformed) / sizeof(*malformed); i++) {
		const char *bad = malformed[i];

		setenv("TRACEPARENT", bad, 1);
		struct outcome o = keke_run("", "sh -c 'exit 7'");
		char *id = meta("trace_id");

		cr_assert_eq(o.code, 7, "TRACEPARENT '%s': exit %d: %s", bad,
			     o.code, o.err);
		cr_assert_eq(count(o.err, "keke:"), *bad ? 1 : 0,
			     "TRACEPARENT '%s': %s", bad, o.err);
		cr_assert(!*bad || strstr(o.err, "TRACEPARENT"),
			  "the warning does not name TRACEPARENT: %s", o.err);
		cr_assert(id && strlen(id) == 32 && strcmp(id, TRACE) &&
			  strcmp(id, "0af7651916cd43dd8448eb211c80319c"),
			  "TRACEPARENT '%s': trace id %s", bad, id);
		cr_assert_null(meta("remote_parent_span_id"),
			       "TRACEPARENT '%s' was taken", bad);
		free(id);
		outcome_free(&o);
	}
}

/* Every process, however started, names its own span in TRACEPARENT. */
static void check_every_child_names_its_span(const char *out_text,
					     const char *flags)
{
	static const char *const hows[] = { "root", "fork", "sh", "env-i",
					    "execle", "posix_spawn" };
	char *trace = meta("trace_id");
	struct shown s[8];
	int n = parse_shown(out_text, s);

	cr_assert_eq(n, 6, "%s", out_text);
	for (int i = 0; i < n; i++) {
		cr_assert_str_eq(s[i].how, hows[i]);
		check_names_own_span(&s[i], trace, flags);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(s[i].parent, s[j].parent);
	}
	free(trace);
}

Test(trace_context, traceparent_reaches_every_child, .init = setup,
     .fini = teardown)
{
	struct outcome o = keke_run("--traceparent",
				    test_prog("traceparent_children"));

	cr_assert_eq(o.code, 0, "%s", o.err);
	check_every_child_names_its_span(o.out, "01");
	cr_assert_null(meta("remote_parent_span_id"));
	outcome_free(&o);

	/* KEKE_TRACEPARENT=1 asks the same; the incoming flags go on. */
	setenv("KEKE_TRACEPARENT", "1", 1);
	setenv("TRACEPARENT", "00-" TRACE "-" PARENT "-00", 1);
	o = keke_run("", test_prog("traceparent_children"));
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert_str_eq(meta("trace_id"), TRACE);
	check_every_child_names_its_span(o.out, "00");
	outcome_free(&o);
}

/* What each line shows is what the program set, byte for byte. */
static void check_own_context_kept(const char *out_text, int lines)
{
	struct shown s[8];
	int n = parse_shown(out_text, s);

	cr_assert_eq(n, lines, "%s", out_text);
	for (int i = 0; i < n; i++) {
		cr_assert_str_eq(s[i].parent, OWN_PARENT, "%s", s[i].how);
		cr_assert_str_eq(s[i].state, OWN_STATE, "%s", s[i].how);
		cr_assert_str_eq(s[i].baggage, OWN_BAGGAGE, "%s", s[i].how);
	}
}

Test(trace_context, programs_own_trace_context_is_left_alone,
     .init = setup, .fini = teardown)
{
	const char *prog = test_prog("traceparent_children");
	struct outcome o = keke_run("", fmt("'%s' own", prog));

	cr_assert_eq(o.code, 0, "%s", o.err);
	check_own_context_kept(o.out, 6);
	outcome_free(&o);

	/* --no-traceparent, though the run began with one. */
	setenv("TRACEPARENT", OWN_PARENT, 1);
	setenv("TRACESTATE", OWN_STATE, 1);
	setenv("BAGGAGE", OWN_BAGGAGE, 1);
	o = keke_run("--no-traceparent", fmt("'%s' show root", prog));
	cr_assert_eq(o.code, 0, "%s", o.err);
	check_own_context_kept(o.out, 1);
	cr_assert_str_eq(meta("remote_parent_span_id"), "b7ad6b7169203331");
	outcome_free(&o);
}

/* Runs @cmd in bare mode, its trace dir made in OUT/bare; merges that
 * into OUT/t.db. Returns the command's outcome; the merge's stderr in
 * *merge_err. */
static struct outcome bare_run(const char *cmd, char **merge_err)
{
	const char *parent = test_path(out, "bare");
	struct outcome o, m;
	const char *trace_dir;

	cr_assert_eq(mkdir(parent, 0700), 0);
	o = sh(fmt("TMPDIR='%s' LD_PRELOAD='%s' %s", parent, test_preload(),
		   cmd));
	trace_dir = only_trace_dir(parent);
	m = sh(fmt("'%s' merge -q --no-json --db '%s' '%s'", test_keke_bin(),
		   db(), trace_dir));
	cr_assert_eq(m.code, 0, "%s", m.err);
	*merge_err = m.err;
	free(m.out);
	return o;
}

Test(trace_context, bare_mode_continues_the_span_traceparent_names,
     .init = setup, .fini = teardown)
{
	char *merge_err;

	setenv("TRACEPARENT", TRACEPARENT, 1);
	setenv("TRACESTATE", STATE, 1);
	struct outcome o = bare_run(test_prog("traceparent_children"),
				    &merge_err);

	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert_str_empty(o.err, "libkeke.so wrote on stderr: %s", o.err);
	cr_assert_str_empty(merge_err);
	cr_assert_str_eq(meta("trace_id"), TRACE);
	cr_assert_str_eq(meta("remote_parent_span_id"), PARENT);
	cr_assert_str_eq(meta("trace_state"), STATE);
	check_every_child_names_its_span(o.out, "01");
	outcome_free(&o);
}

/* A malformed TRACEPARENT: the program's own, untouched; the merge warns. */
Test(trace_context, bare_mode_leaves_a_malformed_traceparent_to_the_merge,
     .init = setup, .fini = teardown)
{
	const char *bad = "00-" TRACE "-" PARENT "-1";
	char *merge_err;

	setenv("TRACEPARENT", bad, 1);
	setenv("KEKE_TRACE_ID", "0123456789ABCDEF0123456789abcdef", 1);
	struct outcome o = bare_run(fmt("'%s' show root",
					test_prog("traceparent_children")),
				    &merge_err);

	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert_str_empty(o.err, "libkeke.so wrote on stderr: %s", o.err);
	cr_assert(strstr(o.out, fmt(" %s - -\n", bad)),
		  "the program's TRACEPARENT was changed: %s", o.out);
	cr_assert_eq(count(merge_err, "keke:"), 1, "%s", merge_err);
	cr_assert(strstr(merge_err, bad), "%s", merge_err);
	cr_assert_null(meta("remote_parent_span_id"));
	/* The user's trace id, as a bare-mode root keeps it too. */
	cr_assert_str_eq(meta("trace_id"), "0123456789abcdef0123456789abcdef");
	outcome_free(&o);
}

/* Only the run's first image continues the span from outside: the
 * processes it starts are its children, not the remote parent's. */
Test(trace_context, remote_parent_is_the_first_images_alone,
     .init = setup, .fini = teardown)
{
	const char *parent = test_path(out, "runs");
	struct keke_reader r;
	char err[KEKE_ERROR_MAX];
	int files = 0, with_parent = 0;
	struct dirent *e;
	DIR *d;

	cr_assert_eq(mkdir(parent, 0700), 0);
	setenv("TRACEPARENT", TRACEPARENT, 1);
	struct outcome o = keke_run(fmt("--keep --dir '%s'", parent),
				    test_prog("traceparent_children"));
	const char *trace_dir = only_trace_dir(parent);

	cr_assert_eq(o.code, 0, "%s", o.err);
	d = opendir(trace_dir);
	cr_assert(d);
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".kr"))
			continue;
		cr_assert_eq(keke_reader_open(&r, fmt("%s/%s", trace_dir,
						      e->d_name), err), 0,
			     "%s", err);
		files++;
		if (!keke_id_is_zero(r.hdr.remote_parent_span_id, 8)) {
			with_parent++;
			cr_assert_eq(r.hdr.trace_flags, 1);
		}
		keke_reader_close(&r);
	}
	closedir(d);
	cr_assert_geq(files, 6);
	cr_assert_eq(with_parent, 1, "%d of %d images have the remote parent",
		     with_parent, files);
	outcome_free(&o);
}
