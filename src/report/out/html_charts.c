// SPDX-License-Identifier: MIT
/*
 * What the page's charts share: their CSS and script, a time axis whose
 * ticks fall on round values, the colour each executable is drawn in,
 * and labels cut to fit.
 *
 * The charts are inline SVG with a viewBox, scaled to the page's width;
 * hover details are SVG <title>s, which browsers show as tooltips, so
 * they need no script.
 */
#include "report/out/html.h"

#include <string.h>

#define NS INT64_C(1)
#define US (1000 * NS)
#define MS (1000 * US)
#define SEC (1000 * MS)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define TICKS 10		/* about this many ticks on an axis */

const char rp_chart_style[] =
	"svg.chart{display:block;width:100%;height:auto;"
	"font:11px system-ui,-apple-system,'Segoe UI',sans-serif;"
	"margin:.3em 0 .6em}"
	"svg.chart text{fill:var(--fg)}"
	"svg.chart .tick{fill:var(--mute)}"
	"svg.chart .grid{stroke:var(--line);stroke-width:1}"
	"svg.chart .rowbg{fill:transparent}"
	"svg.chart .tl-row:hover .rowbg{fill:var(--head)}"
	"svg.chart .tl-row:nth-child(even) .rowbg{fill:var(--head);"
	"fill-opacity:.45}"
	"svg.chart .tl-bar{stroke:var(--bg);stroke-width:.5}"
	"svg.chart .onpath{stroke:var(--bad);stroke-width:1.5}"
	"svg.chart .cp{fill:var(--bad)}"
	"svg.chart .cp-sleeping,svg.chart .cp-blocked{fill-opacity:.5}"
	"svg.chart .cp-waiting{fill-opacity:.25}"
	"svg.chart .busy{fill:var(--span);stroke:var(--bar);stroke-width:1}"
	"svg.chart .cpus{stroke:var(--bad);stroke-dasharray:6 4;"
	"stroke-width:1.5}"
	"svg.chart .cpus-label{fill:var(--bad);paint-order:stroke;"
	"stroke:var(--bg);stroke-width:3px}"
	"svg.timeline{font-size:12px}"
	"svg.chart .axis{stroke:var(--mute)}"
	"svg.chart .callbar{fill:var(--span)}"
	"svg.chart .callself{fill:var(--bar)}"
	"svg.chart .hcol{fill:var(--bar)}"
	"svg.small{width:330px;display:inline-block}"
	".legend{display:flex;flex-wrap:wrap;gap:.2em 1.2em;font-size:12px;"
	"margin:.3em 0}"
	".legend i{display:inline-block;width:.9em;height:.9em;"
	"margin-right:.35em;vertical-align:-.12em;border-radius:2px}"
	".legend i.cpmark{background:var(--bad);height:.35em;"
	"vertical-align:.15em}";

const char rp_chart_script[] =
	"(function(){var d=document.documentElement;"
	"d.setAttribute('data-parsed-ms',performance.now().toFixed(1));"
	"void document.body.offsetHeight;"
	"d.setAttribute('data-laid-out-ms',performance.now().toFixed(1));"
	"})();";

/* The tick step for a span: the first of these at least span / TICKS. */
static int64_t tick_step(int64_t span)
{
	static const int64_t big[] = {
		MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR,
		2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR,
	};
	int64_t want = span / TICKS > 0 ? span / TICKS : 1;

	/* 1, 2, 5 times a power of ten, up to a minute. */
	for (int64_t p = 1; p < MIN; p *= 10)
		for (int m = 1; m <= 5; m += m == 1 ? 1 : 3)
			if (m * p >= want && m * p <= 30 * SEC)
				return m * p;
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		if (big[i] >= want)
			return big[i];
	return (want + 24 * HOUR - 1) / (24 * HOUR) * 24 * HOUR;
}

void rp_axis_init(struct rp_axis *a, int64_t start, int64_t end)
{
	static const struct {
		int64_t ns;
		const char *name;
	} units[] = {
		{ SEC, "s" }, { MS, "ms" }, { US, "us" }, { NS, "ns" },
	};

	a->start = start;
	a->span = end > start ? end - start : 1;
	a->step = tick_step(a->span);
	if (a->step % HOUR == 0) {
		a->unit = HOUR;
		a->unit_name = "h";
	} else if (a->step % MIN == 0) {
		a->unit = MIN;
		a->unit_name = "min";
	} else {
		/* The largest unit of which the step is a tenth or more:
		 * "0.5 s", not "500 ms". */
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			a->unit = units[i].ns;
			a->unit_name = units[i].name;
			if (a->step * 10 >= units[i].ns)
				break;
		}
	}
}

double rp_axis_x(const struct rp_axis *a, int64_t t)
{
	double x;

	if (t < a->start)
		t = a->start;
	if (t > a->start + a->span)
		t = a->start + a->span;
	x = (double)(t - a->start) / (double)a->span;
	return RP_PLOT_X0 + x * (RP_PLOT_X1 - RP_PLOT_X0);
}

void rp_axis_draw(FILE *f, const struct rp_axis *a, double top,
		  double bottom, int above)
{
	fputs("<g class=\"time-axis\">", f);
	for (int64_t t = 0; t <= a->span; t += a->step) {
		double x = rp_axis_x(a, a->start + t);

		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" "
			"y1=\"%.1f\" y2=\"%.1f\"/>", x, x, top, bottom);
		/* The last label would run off the right edge. */
		if (RP_PLOT_X1 - x < 24 && t)
			continue;
		fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"%s\">%g %s</text>", x,
			above ? top - 5 : bottom + 13, t ? "middle" : "start",
			(double)t / (double)a->unit, a->unit_name);
	}
	fputs("</g>\n", f);
}

const char *rp_exe_colour(const char *name)
{
	/* Tableau's 10 less its red and pink, which the critical path
	 * uses, and four more far from them. */
	static const char *const palette[] = {
		"#4e79a7", "#f28e2b", "#59a14f", "#edc948", "#b07aa1",
		"#76b7b2", "#9c755f", "#bab0ac", "#1f3a93", "#bcbd22",
		"#a0cbe8", "#6b4c9a",
	};
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const unsigned char *s = (const unsigned char *)name; *s; s++)
		h = (h ^ *s) * 16777619u;
	return palette[h % (sizeof(palette) / sizeof(palette[0]))];
}

void rp_html_esc_cut(FILE *f, const char *s, size_t max)
{
	char cut[256];
	size_t n = strlen(s);

	if (n <= max || max + 4 > sizeof(cut)) {
		rp_html_esc(f, s);
		return;
	}
	/* Not inside a UTF-8 character. */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	memcpy(cut, s, max);
	memcpy(cut + max, "\u2026", 4);
	rp_html_esc(f, cut);
}
