/* SPDX-License-Identifier: MIT */
/*
 * The parts of the HTML page (html.c) that live in files of their own:
 * the escaper they share, and the charts, drawn as inline SVG so that
 * the page stays one file: the timeline and the CPU use over time
 * (html_timeline.c, html_cpu.c) and the call charts (html_calls.c), with
 * what they share in html_charts.c.
 */
#ifndef KEKE_REPORT_HTML_H
#define KEKE_REPORT_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "report/report.h"

/* Writes @s with &, <, >, " and ' escaped, and its control bytes shown
 * as a terminal shows them (tty.h): "\x1b". */
void rp_html_esc(FILE *f, const char *s);

/* The charts' CSS and script, for the page's <style> and <script>: the
 * script marks on the root element how long the page took to read
 * (data-parsed-ms) and to lay out (data-laid-out-ms). */
extern const char rp_chart_style[];
extern const char rp_chart_script[];

/* Sections: "Timeline" (id timeline), "CPU use" (id cpu), and "Call
 * charts" (id call-charts). */
void rp_html_timeline(FILE *f, const struct keke_report *r);
void rp_html_cpu(FILE *f, const struct keke_report *r);
void rp_html_call_charts(FILE *f, const struct keke_report *r);

/* html_charts.c: the drawing pieces the charts share. */

/* The width of every wide chart's viewBox, and where its plot area
 * starts and ends in it (left of it: the row labels). */
#define RP_CHART_W 1300
#define RP_PLOT_X0 230.0
#define RP_PLOT_X1 1285.0

/* A time axis over [start, start + span) drawn on [RP_PLOT_X0,
 * RP_PLOT_X1], with ticks every step ns labelled in unit ns. */
struct rp_axis {
	int64_t start, span;
	int64_t step;
	int64_t unit;
	const char *unit_name;		/* "ns", "us", "ms", "s", "min", "h" */
};

void rp_axis_init(struct rp_axis *a, int64_t start, int64_t end);

/* The x of time @t (clamped to the plot area). */
double rp_axis_x(const struct rp_axis *a, int64_t t);

/* Draws the axis's grid lines from @top to @bottom, with the tick labels
 * above @top when @above, else below @bottom. */
void rp_axis_draw(FILE *f, const struct rp_axis *a, double top,
		  double bottom, int above);

/* The fill of executable @name: one of 12 colours, picked by the name,
 * so the same on every page ("#4e79a7"). */
const char *rp_exe_colour(const char *name);

/* Writes the text of @s shortened to @max bytes with an ellipsis,
 * escaped. */
void rp_html_esc_cut(FILE *f, const char *s, size_t max);

#endif
