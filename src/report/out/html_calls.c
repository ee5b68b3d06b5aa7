// SPDX-License-Identifier: MIT
/*
 * The page's call charts: the calls that took the most time as bars
 * (their total, with the self part darker), and for each of them a
 * log2 histogram of its durations.
 */
#include "report/out/fmt.h"
#include "report/out/html.h"

#define BARS_MAX 20		/* calls in the bar chart */
#define HISTS_MAX 12		/* histograms */
#define BAR_ROW 18		/* the bar chart's row height */
#define NAME_W 170.0		/* its labels' column */
#define BAR_W 900.0		/* its longest bar */
#define HIST_W 330		/* a histogram's size */
#define HIST_H 150
#define HIST_X0 44.0		/* its plot area */
#define HIST_X1 322.0
#define HIST_TOP 12.0
#define HIST_BOTTOM 118.0
#define HIST_LABEL_W 54.0	/* room a bucket's label needs */
#define HIST_COL_MAX 36.0	/* a column's width, at most */

/* "s" after a count of @n things, but one. */
static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* The calls by total time, the longest first. */
static void total_bars(FILE *f, const struct keke_report *r)
{
	size_t n = r->ncalls < BARS_MAX ? r->ncalls : BARS_MAX;
	int64_t max = r->calls[0].total_ns > 0 ? r->calls[0].total_ns : 1;
	char a[RP_FMT_MAX], b[RP_FMT_MAX], c[RP_FMT_MAX];

	fprintf(f, "<h3>Calls by total time <span class=\"mute\">(top %zu of "
		"%zu; the darker part is self time, less the calls nested in "
		"them)</span></h3>\n<svg class=\"chart calls-by-time\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"calls by "
		"total time\">\n", n, r->ncalls, RP_CHART_W,
		(int)n * BAR_ROW + 4);
	for (size_t i = 0; i < n; i++) {
		const struct keke_report_call *k = &r->calls[i];
		double y = (double)i * BAR_ROW + 2;
		double w = BAR_W * (double)k->total_ns / (double)max;
		double self = BAR_W * (double)(k->self_ns > 0 ? k->self_ns : 0) /
			      (double)max;

		fputs("<g class=\"callbar-row\"><title>", f);
		rp_html_esc(f, k->name);
		fprintf(f, ": %s calls, total %s, self %s", rp_fmt_count(a,
			k->count), keke_fmt_dur(b, k->total_ns),
			keke_fmt_dur(c, k->self_ns));
		fprintf(f, ", p50 %s</title><text x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"end\">", keke_fmt_dur(a,
			k->dur[KEKE_P50]), NAME_W - 6, y + BAR_ROW - 6);
		rp_html_esc_cut(f, k->name, 24);
		fprintf(f, "</text><rect class=\"callbar\" x=\"%.1f\" "
			"y=\"%.1f\" width=\"%.1f\" height=\"%d\"/>", NAME_W, y,
			w < 1 ? 1 : w, BAR_ROW - 4);
		fprintf(f, "<rect class=\"callself\" x=\"%.1f\" y=\"%.1f\" "
			"width=\"%.1f\" height=\"%d\"/>", NAME_W, y,
			self > w ? w : self, BAR_ROW - 4);
		fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%s, "
			"%s call%s</text></g>\n", NAME_W + w + 6,
			y + BAR_ROW - 6, keke_fmt_dur(a, k->total_ns),
			rp_fmt_count(b, k->count), plural(k->count));
	}
	fputs("</svg>\n", f);
}

/* The histogram of the durations of call @k. */
static void dur_hist(FILE *f, const struct keke_report_call *k)
{
	char a[RP_FMT_MAX], b[RP_FMT_MAX];
	unsigned lo, hi, every;
	uint64_t max, blo, bhi;
	double w, end;

	if (!keke_log2_span(&k->dur_hist, &lo, &hi, &max))
		return;
	/* An empty bucket each side, for scale. */
	lo -= lo > 0;
	hi += hi + 1 < KEKE_LOG2_BUCKETS;
	w = (HIST_X1 - HIST_X0) / (hi - lo + 1);
	if (w > HIST_COL_MAX)
		w = HIST_COL_MAX;
	end = HIST_X0 + w * (hi - lo + 1);
	every = (unsigned)(HIST_LABEL_W / w) + 1;
	fputs("<div><h3>", f);
	rp_html_esc(f, k->name);
	fprintf(f, " <span class=\"mute\">durations, %s call%s</span></h3>"
		"<svg class=\"chart small durhist\" viewBox=\"0 0 %d %d\" "
		"role=\"img\" aria-label=\"durations\">", rp_fmt_count(a,
		k->count), plural(k->count), HIST_W, HIST_H);
	fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"end\">%s</text><line class=\"grid\" x1=\"%.1f\""
		" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", HIST_X0 - 4,
		HIST_TOP + 4, rp_fmt_count(a, max), HIST_X0, end, HIST_TOP,
		HIST_TOP);
	for (unsigned j = lo; j <= hi; j++) {
		double x = HIST_X0 + w * (j - lo);
		double h = (HIST_BOTTOM - HIST_TOP) *
			   (double)k->dur_hist.count[j] / (double)max;

		keke_log2_range(j, &blo, &bhi);
		if ((j - lo) % every == 0)
			fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"middle\">%s</text>", x,
				HIST_BOTTOM + 14, keke_fmt_dur(a,
							       (int64_t)blo));
		if (!k->dur_hist.count[j])
			continue;
		fprintf(f, "<rect class=\"hcol\" x=\"%.1f\" y=\"%.1f\" "
			"width=\"%.1f\" height=\"%.1f\"><title>%s to ", x + 1,
			HIST_BOTTOM - h, w - 2 > 1 ? w - 2 : 1, h,
			keke_fmt_dur(a, (int64_t)blo));
		fprintf(f, "%s: %s call%s</title></rect>", bhi ?
			keke_fmt_dur(b, (int64_t)(bhi > INT64_MAX ? INT64_MAX :
						  bhi)) : "more",
			rp_fmt_count(a, k->dur_hist.count[j]),
			plural(k->dur_hist.count[j]));
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
		"y2=\"%.1f\"/><text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"middle\">duration, from (log2 steps)</text>"
		"</svg></div>\n", HIST_X0, end, HIST_BOTTOM, HIST_BOTTOM,
		(HIST_X0 + end) / 2, HIST_BOTTOM + 30.0);
}

void rp_html_call_charts(FILE *f, const struct keke_report *r)
{
	fputs("<h2 id=\"call-charts\">Call charts</h2>\n", f);
	if (!r->ncalls) {
		fputs("<p class=\"mute\">No calls selected.</p>\n", f);
		return;
	}
	total_bars(f, r);
	fprintf(f, "<h3>Durations <span class=\"mute\">(the %zu calls of "
		"most total time; each column counts the calls from its "
		"duration up to twice it)</span></h3>\n<div class=\"hists\">\n",
		r->ncalls < HISTS_MAX ? r->ncalls : HISTS_MAX);
	for (size_t i = 0; i < r->ncalls && i < HISTS_MAX; i++)
		dur_hist(f, &r->calls[i]);
	fputs("</div>\n", f);
}
