// SPDX-License-Identifier: MIT
/*
 * The page's CPU chart, under the timeline and on its time axis: the
 * CPUs the selected processes kept busy (timeline.h's estimate), as an
 * area, against a dashed line at the number of CPUs the run had.
 */
#include "report/out/fmt.h"
#include "report/out/html.h"
#include "report/timeline.h"

#define TOP 10.0		/* the plot's top */
#define PLOT_H 160.0		/* and height */
#define BOTTOM (TOP + PLOT_H)
#define MAX_TICKS 5		/* on the CPU axis, at most */

/* The y of @cpus busy CPUs when the plot's top is @ymax. */
static double cpu_y(double cpus, double ymax)
{
	return BOTTOM - cpus / ymax * PLOT_H;
}

/* The CPU axis: a labelled grid line every 1, 2, 5, 10, 20... CPUs up to
 * a round top at or above @peak. Returns the top. */
static double cpu_axis(FILE *f, double peak)
{
	double step = 1, top;

	for (int i = 0; peak / step > MAX_TICKS; i++)
		step *= i % 3 == 1 ? 2.5 : 2;
	for (top = step; top < peak; top += step)
		;
	for (double v = 0; v <= top; v += step) {
		double y = cpu_y(v, top);

		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" "
			"y1=\"%.1f\" y2=\"%.1f\"/><text class=\"tick\" "
			"x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g CPU%s"
			"</text>", RP_PLOT_X0, RP_PLOT_X1, y, y,
			RP_PLOT_X0 - 6, y + 4, v, v == 1 ? "" : "s");
	}
	return top;
}

/* The busy CPUs as a step-shaped area. */
static void busy_area(FILE *f, const struct keke_timeline *t, double ymax)
{
	double w = (RP_PLOT_X1 - RP_PLOT_X0) / KEKE_TIMELINE_BUCKETS;

	fprintf(f, "<path class=\"busy\" d=\"M%.1f %.1f", RP_PLOT_X0, BOTTOM);
	for (size_t b = 0; b < KEKE_TIMELINE_BUCKETS; b++) {
		double y = cpu_y(t->busy[b], ymax);

		fprintf(f, "V%.1fH%.1f", y, RP_PLOT_X0 + w * (double)(b + 1));
	}
	fprintf(f, "V%.1fZ\"><title>busy CPUs (an estimate)</title></path>\n",
		BOTTOM);
}

void rp_html_cpu(FILE *f, const struct keke_report *r)
{
	const struct keke_timeline *t = r->timeline;
	double peak = 0, sum = 0, ymax;
	char a[RP_FMT_MAX], b[RP_FMT_MAX];
	struct rp_axis ax;

	fputs("<h2 id=\"cpu\">CPU use</h2>\n", f);
	if (!t || !t->nprocs) {
		fputs("<p class=\"mute\">No processes selected.</p>\n", f);
		return;
	}
	if (!t->has_rusage || !t->nrusage) {
		fprintf(f, "<p class=\"mute cpu-unknown\">CPU use unknown: %s"
			".</p>\n", t->has_rusage ? "no selected process has its"
			" CPU time recorded" : "this database is from a keke "
			"that did not record resource use");
		return;
	}
	for (size_t i = 0; i < KEKE_TIMELINE_BUCKETS; i++) {
		sum += t->busy[i];
		if (t->busy[i] > peak)
			peak = t->busy[i];
	}
	fprintf(f, "<p class=\"mute\">Busy CPUs over time: an estimate from "
		"per-process totals, each process's own CPU time (user + "
		"system) spread evenly over its life, summed in %d steps of "
		"%s. On average %.2f busy, at most %.2f", KEKE_TIMELINE_BUCKETS,
		keke_fmt_dur(a, (t->end_ns - t->start_ns) /
			     KEKE_TIMELINE_BUCKETS), sum / KEKE_TIMELINE_BUCKETS,
		peak);
	if (t->cpu_count)
		fprintf(f, ", of %d CPUs (dashed line).", t->cpu_count);
	else
		fputs("; the number of CPUs is unknown.", f);
	if (t->nrusage < t->nprocs)
		fprintf(f, " Processes without figures (%s of %s) count as "
			"idle.", rp_fmt_count(a, t->nprocs - t->nrusage),
			rp_fmt_count(b, t->nprocs));
	fputs("</p>\n", f);
	rp_axis_init(&ax, t->start_ns, t->end_ns);
	fprintf(f, "<svg class=\"chart cpu\" viewBox=\"0 0 %d %.0f\" "
		"role=\"img\" aria-label=\"busy CPUs\">\n", RP_CHART_W,
		BOTTOM + 20);
	ymax = cpu_axis(f, peak > t->cpu_count ? peak : t->cpu_count);
	rp_axis_draw(f, &ax, TOP, BOTTOM, 0);
	busy_area(f, t, ymax);
	if (t->cpu_count)
		fprintf(f, "<line class=\"cpus\" x1=\"%.1f\" x2=\"%.1f\" "
			"y1=\"%.1f\" y2=\"%.1f\"/><text class=\"cpus-label\" "
			"x=\"%.1f\" y=\"%.1f\">%d CPUs</text>", RP_PLOT_X0,
			RP_PLOT_X1, cpu_y(t->cpu_count, ymax),
			cpu_y(t->cpu_count, ymax), RP_PLOT_X0 + 6,
			cpu_y(t->cpu_count, ymax) + 13,
			t->cpu_count);
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\""
		" y2=\"%.1f\"/></svg>\n", RP_PLOT_X0, RP_PLOT_X1, BOTTOM,
		BOTTOM);
}
