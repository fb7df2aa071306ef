/* SPDX-License-Identifier: MIT */
/* summary: the --report page: one self-contained HTML file drawn from the
 * aggregates of report.c. Inline CSS and SVG only (no script, font or
 * link: it opens offline, years later); every verdict has a pattern as well
 * as a colour and every chart a legend or labels, so it reads in print
 * and without colour vision. Every string that came off the wire (banners,
 * refusal lines quoted in a reason, algorithm names) goes through
 * sm_html(): escaped, never markup. The numbers the browser test compares
 * with the NDJSON carry data-n attributes. */
#include "config.h"
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "event.h"

/* ---- escaping ---- */

/* Text and attribute values: & < > " ' escaped; control bytes (the names
 * are already escaped by sm_escape_bytes, the reasons may quote escaped
 * wire text) shown as U+FFFD so nothing can break the page. */
static void sm_html(FILE *o, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            fputs("&amp;", o);
            break;
        case '<':
            fputs("&lt;", o);
            break;
        case '>':
            fputs("&gt;", o);
            break;
        case '"':
            fputs("&quot;", o);
            break;
        case '\'':
            fputs("&#39;", o);
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                fputs("&#xFFFD;", o);
            else
                fputc(c, o);
        }
    }
}

/* ---- verdict styles: a colour and a pattern each ---- */

static const char *const sm_vcolor[SM_V_COUNT] = {
    "#b2182b", /* refused */
    "#d6604d", /* rejected-icmp */
    "#762a83", /* silent-drop */
    "#9970ab", /* handshake-incomplete */
    "#e08214", /* rst-before-banner */
    "#fdb863", /* closed-before-banner */
    "#8c510a", /* no-banner */
    "#bf812d", /* not-ssh */
    "#c51b7d", /* kex-failed */
    "#2166ac", /* state-table-timeout */
    "#4393c3", /* retransmission-death */
    "#01665e", /* mtu-blackhole */
    "#de77ae", /* reset */
    "#7fbf7b", /* normal-close */
    "#bababa", /* unfinished */
};

/* The pattern drawn over each verdict's colour (SVG <pattern> bodies on a
 * 8x8 tile), so that two verdicts differ without colour too. */
static const char *const sm_vpattern[SM_V_COUNT] = {
    "<path d='M0 8L8 0' stroke='#000' stroke-width='1.2'/>",
    "<path d='M0 0L8 8' stroke='#000' stroke-width='1.2'/>",
    "<path d='M0 4H8' stroke='#000' stroke-width='1.2'/>",
    "<path d='M4 0V8' stroke='#000' stroke-width='1.2'/>",
    "<circle cx='4' cy='4' r='1.6' fill='#000'/>",
    "<path d='M0 8L8 0M0 0L8 8' stroke='#000' stroke-width='1'/>",
    "<path d='M0 4H8M4 0V8' stroke='#000' stroke-width='1'/>",
    "<circle cx='2' cy='2' r='1' fill='#000'/><circle cx='6' cy='6' r='1' fill='#000'/>",
    "<path d='M0 2H8M0 6H8' stroke='#000' stroke-width='0.8'/>",
    "<path d='M2 0V8M6 0V8' stroke='#000' stroke-width='0.8'/>",
    "<rect x='2' y='2' width='4' height='4' fill='none' stroke='#000' stroke-width='0.8'/>",
    "<path d='M0 6L4 2L8 6' fill='none' stroke='#000' stroke-width='1'/>",
    "<path d='M0 8L8 0' stroke='#fff' stroke-width='2'/>",
    "",
    "<circle cx='4' cy='4' r='0.8' fill='#000'/>",
};

static void sm_html_defs(FILE *o)
{
    fputs("<svg width='0' height='0' style='position:absolute' aria-hidden='true'><defs>", o);
    for (int v = 0; v < SM_V_COUNT; v++)
        fprintf(o,
                "<pattern id='p-%s' width='8' height='8' patternUnits='userSpaceOnUse'>"
                "<rect width='8' height='8' fill='%s'/>%s</pattern>",
                sm_verdict_name((enum sm_verdict)v), sm_vcolor[v], sm_vpattern[v]);
    fputs("<marker id='arr' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' "
          "markerHeight='7' orient='auto-start-reverse'><path d='M0 0L10 5L0 10z' "
          "fill='#222'/></marker></defs></svg>\n",
          o);
}

static void sm_swatch(FILE *o, enum sm_verdict v)
{
    fprintf(o,
            "<svg class='sw' width='14' height='14' aria-hidden='true'><rect width='14' "
            "height='14' fill='url(#p-%s)' stroke='#333'/></svg>",
            sm_verdict_name(v));
}

static void sm_ts(FILE *o, int64_t us)
{
    char ts[SM_TS_LEN];
    if (us == 0) {
        fputs("-", o);
        return;
    }
    sm_format_ts(us, ts, sizeof(ts));
    sm_html(o, ts);
}

/* A duration in words: "35 s", "4.2 min", "3.1 h", "2.5 d". */
static void sm_dur(char *buf, size_t n, double s)
{
    if (s < 120)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 7200)
        snprintf(buf, n, "%.1f min", s / 60);
    else if (s < 172800)
        snprintf(buf, n, "%.1f h", s / 3600);
    else
        snprintf(buf, n, "%.1f d", s / 86400);
}

static const char sm_css[] =
        "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
        "max-width:1100px;padding:16px;color:#111;background:#fff}"
        "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;"
        "border-bottom:1px solid #ccc}h3{font-size:15px;margin:18px 0 4px}"
        ".meta{color:#444;overflow-wrap:anywhere}"
        ".kpis{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}"
        ".kpi{border:1px solid #bbb;border-radius:6px;padding:8px 12px;min-width:120px}"
        ".kpi b{display:block;font-size:22px}"
        ".findings li{margin:4px 0;overflow-wrap:anywhere}"
        "table{border-collapse:collapse;width:100%;table-layout:fixed;margin:6px 0}"
        "td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;"
        "overflow-wrap:anywhere}"
        "th{background:#f3f3f3}td.n,th.n{text-align:right;width:7em}"
        ".sw{vertical-align:middle;margin-right:4px}"
        ".legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:4px 0;font-size:13px}"
        "svg.chart{display:block;max-width:100%;height:auto;margin:4px 0}"
        "svg text{font:11px system-ui,sans-serif;fill:#222}"
        ".weak{font-weight:bold}.weak::before{content:'\\26A0  weak: '}"
        ".ex{border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:12px 0}"
        ".ex p{margin:4px 0;overflow-wrap:anywhere}.k{font-weight:bold}"
        ".empty{color:#555;font-style:italic}"
        "ul.legend{list-style:none;padding:0}"
        "footer{margin-top:30px;color:#666;font-size:12px}"
        "@media print{h2{break-after:avoid}.ex{break-inside:avoid}}";

/* ---- the headline ---- */

static void sm_html_head(FILE *o, const struct sm_report *r)
{
    fputs("<header><h1>sshmortem report</h1><p class='meta'>", o);
    if (r->nsources == 0)
        fputs("no capture", o);
    for (uint32_t i = 0; i < r->nsources; i++) {
        fputs(i ? ", " : (r->nsources + r->sources_more == 1 ? "Capture: " : "Captures: "), o);
        sm_html(o, r->sources[i]);
    }
    if (r->sources_more)
        fprintf(o, " and %" PRIu32 " more", r->sources_more);
    fputs("<br>From ", o);
    sm_ts(o, r->first_ts);
    fputs(" to ", o);
    sm_ts(o, r->last_ts);
    if (r->first_ts && r->last_ts > r->first_ts) {
        char d[32];
        sm_dur(d, sizeof(d), (double)(r->last_ts - r->first_ts) / 1e6);
        fprintf(o, " (%s)", d);
    }
    fputs("; sensor ", o);
    sm_html(o, r->host ? r->host : "-");
    fputs("</p>\n<div class='kpis'>", o);
    fprintf(o,
            "<div class='kpi' id='kpi-connections' data-n='%" PRIu64 "'><b>%" PRIu64
            "</b>connections</div>",
            r->connections, r->connections);
    fprintf(o,
            "<div class='kpi' id='kpi-failed' data-n='%" PRIu64 "'><b>%" PRIu64
            "</b>failed (%.1f %%)</div>",
            r->failed, r->failed,
            r->connections ? 100.0 * (double)r->failed / (double)r->connections : 0.0);
    fprintf(o,
            "<div class='kpi' id='kpi-normal' data-n='%" PRIu64 "'><b>%" PRIu64
            "</b>closed normally</div></div>\n",
            r->verdict[SM_V_NORMAL_CLOSE], r->verdict[SM_V_NORMAL_CLOSE]);
    char find[4][SM_REPORT_FINDING_LEN];
    unsigned nf = sm_report_findings(r, find, 3);
    if (nf) {
        fputs("<ul class='findings' id='findings'>", o);
        for (unsigned i = 0; i < nf; i++) {
            fputs("<li>", o);
            sm_html(o, find[i]);
            fputs("</li>", o);
        }
        fputs("</ul>\n", o);
    }
    /* Failures by verdict, with a bar each. */
    uint64_t max = 1;
    for (int v = 0; v < SM_V_COUNT; v++)
        if (r->verdict[v] > max)
            max = r->verdict[v];
    fputs("<table id='verdicts'><thead><tr><th>verdict</th><th class='n'>connections</th>"
          "<th>share</th></tr></thead><tbody>",
          o);
    for (int v = 0; v < SM_V_COUNT; v++) {
        if (!r->verdict[v])
            continue;
        const char *name = sm_verdict_name((enum sm_verdict)v);
        fprintf(o, "<tr data-verdict='%s' data-n='%" PRIu64 "'><td>", name, r->verdict[v]);
        sm_swatch(o, (enum sm_verdict)v);
        fprintf(o, "%s</td><td class='n'>%" PRIu64 "</td><td>", name, r->verdict[v]);
        double w = 300.0 * (double)r->verdict[v] / (double)max;
        fprintf(o,
                "<svg class='chart' data-chart='verdict-%s' width='310' height='14' "
                "viewBox='0 0 310 14'><rect class='mark' width='%.1f' height='14' "
                "fill='url(#p-%s)' stroke='#333'/></svg></td></tr>",
                name, w < 1 ? 1 : w, name);
    }
    fputs("</tbody></table></header>\n", o);
}

/* ---- verdicts over time ---- */

static void sm_html_legend(FILE *o, const uint64_t *present)
{
    fputs("<div class='legend'>", o);
    for (int v = 0; v < SM_V_COUNT; v++) {
        if (!present[v])
            continue;
        fputs("<span>", o);
        sm_swatch(o, (enum sm_verdict)v);
        fputs(sm_verdict_name((enum sm_verdict)v), o);
        fputs("</span>", o);
    }
    fputs("</div>\n", o);
}

static void sm_html_timeline(FILE *o, const struct sm_report *r)
{
    fputs("<section id='timeline'><h2>Verdicts over time</h2>", o);
    unsigned used = 0;
    for (unsigned b = 0; b < SM_REPORT_TIME_BUCKETS; b++)
        for (unsigned v = 0; v < SM_V_COUNT; v++)
            if (r->tl[0][b][v])
                used = b + 1;
    if (used == 0) {
        fputs("<p class='empty'>No connection.</p></section>\n", o);
        return;
    }
    char d[32];
    sm_dur(d, sizeof(d), (double)r->width_us / 1e6);
    fprintf(o, "<p>Connections by the time of their first packet, %s a bar", d);
    if (r->nservers_t > 1)
        fprintf(o, "; all servers, then one row per server (the first %d seen)",
                SM_REPORT_TIME_SERVERS);
    fputs(".</p>", o);
    sm_html_legend(o, r->verdict);
    unsigned nrows = r->nservers_t > 1 ? 1 + r->nservers_t : 1;
    const double W = 960, H = 110, left = 56, bw = (W - left - 8) / (double)used;
    for (unsigned s = 0; s < nrows; s++) {
        uint64_t max = 1, tot = 0;
        for (unsigned b = 0; b < used; b++) {
            uint64_t sum = 0;
            for (unsigned v = 0; v < SM_V_COUNT; v++)
                sum += r->tl[s][b][v];
            tot += sum;
            if (sum > max)
                max = sum;
        }
        fputs("<h3>", o);
        if (s == 0) {
            fputs("All servers", o);
        } else {
            char a[48];
            sm_addr_format(&r->server_t[s - 1].addr, r->server_t[s - 1].ip_version, a, sizeof(a));
            sm_html(o, a);
            fprintf(o, " port %u", r->server_t[s - 1].port);
        }
        fprintf(o, " <span data-n='%" PRIu64 "'>(%" PRIu64 " connections)</span></h3>", tot, tot);
        fprintf(o,
                "<svg class='chart' data-chart='timeline-%u' width='%.0f' height='%.0f' "
                "viewBox='0 0 %.0f %.0f' role='img'>",
                s, W, H + 30, W, H + 30);
        fprintf(o,
                "<line x1='%.0f' y1='4' x2='%.0f' y2='%.0f' stroke='#555'/>"
                "<line x1='%.0f' y1='%.0f' x2='%.0f' y2='%.0f' stroke='#555'/>"
                "<text x='%.0f' y='12' text-anchor='end'>%" PRIu64 "</text>"
                "<text x='%.0f' y='%.0f' text-anchor='end'>0</text>",
                left, left, H + 4, left, H + 4, W - 4, H + 4, left - 4, max, left - 4, H + 4);
        for (unsigned b = 0; b < used; b++) {
            double y = H + 4;
            for (unsigned v = 0; v < SM_V_COUNT; v++) {
                uint32_t n = r->tl[s][b][v];
                if (!n)
                    continue;
                double h = (H - 4) * (double)n / (double)max;
                if (h < 1)
                    h = 1;
                y -= h;
                /* Up to 96 x 15 x 7 of these: kept short (the fill by class). */
                fprintf(o,
                        "<rect class='mark v%u' x='%.1f' y='%.1f' width='%.1f' height='%.1f'>"
                        "<title>%s %" PRIu32 "</title></rect>",
                        v, left + b * bw, y, bw > 2 ? bw - 1 : bw, h,
                        sm_verdict_name((enum sm_verdict)v), n);
            }
        }
        /* Time labels at the start, the middle (when there is room) and the end. */
        for (int k = 0; k < 3; k++) {
            if (k == 1 && used < 8)
                continue;
            unsigned b = k == 0 ? 0 : k == 1 ? used / 2 : used;
            char ts[SM_TS_LEN];
            sm_format_ts(r->t0 + (int64_t)b * r->width_us, ts, sizeof(ts));
            ts[19] = '\0'; /* to the second */
            fprintf(o, "<text x='%.1f' y='%.0f' text-anchor='%s'>%s</text>", left + b * bw, H + 20,
                    k == 0   ? "start"
                    : k == 1 ? "middle"
                             : "end",
                    ts);
        }
        fputs("</svg>", o);
    }
    fputs("</section>\n", o);
}

/* ---- idle gaps ---- */

static double sm_idle_x(double s, double left, double w)
{
    /* log2 from 1 s to 2^20 s */
    double l = s <= 1 ? 0 : log2(s);
    return left + w * l / 20.0;
}

static void sm_html_idle(FILE *o, const struct sm_report *r)
{
    fputs("<section id='idle'><h2>Idle gaps: survived and died</h2>", o);
    uint64_t max = 0, ts = 0, tf = 0;
    for (unsigned b = 0; b < SM_REPORT_IDLE_BINS; b++) {
        ts += r->idle_survived[b];
        tf += r->idle_fatal[b];
        if (r->idle_survived[b] > max)
            max = r->idle_survived[b];
        if (r->idle_fatal[b] > max)
            max = r->idle_fatal[b];
    }
    if (max == 0) {
        fputs("<p class='empty'>No connection survived or died after a silence.</p></section>\n",
              o);
        return;
    }
    fprintf(o,
            "<p>The longest silence each connection survived (<span data-n='%" PRIu64 "'>%" PRIu64
            "</span> connections, bars up) and the one it died after (<span "
            "data-n='%" PRIu64 "'>%" PRIu64
            "</span>, bars down, cross-hatched); dashed lines: common middlebox idle "
            "timeouts; the shaded band: an idle timeout inferred from both.</p>",
            ts, ts, tf, tf);
    const double W = 960, left = 70, w = W - left - 30, mid = 110, H = 90;
    fprintf(o,
            "<svg class='chart' data-chart='idle' width='%.0f' height='300' viewBox='0 0 %.0f "
            "300' role='img'>",
            W, W);
    /* The inferred intervals. */
    for (uint32_t i = 0; i < r->npatterns; i++) {
        const struct sm_pattern_report *p = &r->pattern[i];
        if (p->kind != SM_PAT_IDLE_TIMEOUT || p->idle.hi_us <= 0)
            continue;
        double x0 = sm_idle_x((double)p->idle.lo_us / 1e6, left, w);
        double x1 = sm_idle_x((double)p->idle.hi_us / 1e6, left, w);
        fprintf(o,
                "<rect x='%.1f' y='10' width='%.1f' height='%.0f' fill='#ffe08a' "
                "stroke='#a07000' stroke-dasharray='2 2'><title>inferred idle timeout %.0f to "
                "%.0f s</title></rect><text x='%.1f' y='%.0f'>inferred %.0f-%.0f s</text>",
                x0, x1 - x0 < 2 ? 2 : x1 - x0, 2 * H + 10, floor((double)p->idle.lo_us / 1e6),
                ceil((double)p->idle.hi_us / 1e6), x0, 2 * H + 34,
                floor((double)p->idle.lo_us / 1e6), ceil((double)p->idle.hi_us / 1e6));
    }
    fprintf(o, "<line x1='%.0f' y1='%.0f' x2='%.0f' y2='%.0f' stroke='#333'/>", left, (double)mid,
            left + w, (double)mid);
    fprintf(o,
            "<text x='4' y='%.0f'>survived</text><text x='4' y='%.0f'>died</text>"
            "<text x='%.0f' y='%.0f' text-anchor='end'>%" PRIu64 "</text>"
            "<text x='%.0f' y='%.0f' text-anchor='end'>%" PRIu64 "</text>",
            mid - 6, mid + 16, left - 4, mid - H + 8, max, left - 4, mid + H, max);
    for (unsigned b = 0; b < SM_REPORT_IDLE_BINS; b++) {
        double x0 = sm_idle_x(sm_report_idle_bin_lo(b), left, w);
        double x1 = sm_idle_x(sm_report_idle_bin_lo(b + 1), left, w);
        double bw = x1 - x0 - 1 < 1 ? 1 : x1 - x0 - 1;
        if (r->idle_survived[b]) {
            double h = H * (double)r->idle_survived[b] / (double)max;
            fprintf(o,
                    "<rect class='mark' x='%.1f' y='%.1f' width='%.1f' height='%.1f' "
                    "fill='url(#p-normal-close)' stroke='#333'><title>survived %.0f s+: %" PRIu64
                    "</title></rect>",
                    x0, mid - (h < 1 ? 1 : h), bw, h < 1 ? 1 : h, sm_report_idle_bin_lo(b),
                    r->idle_survived[b]);
        }
        if (r->idle_fatal[b]) {
            double h = H * (double)r->idle_fatal[b] / (double)max;
            fprintf(o,
                    "<rect class='mark' x='%.1f' y='%.0f' width='%.1f' height='%.1f' "
                    "fill='url(#p-closed-before-banner)' stroke='#333'><title>died %.0f s+: "
                    "%" PRIu64 "</title></rect>",
                    x0, (double)mid, bw, h < 1 ? 1 : h, sm_report_idle_bin_lo(b), r->idle_fatal[b]);
        }
    }
    /* Middlebox timeouts, labelled in turn above and below to keep apart. */
    const char *name;
    int64_t secs;
    for (size_t i = 0; sm_event_idle_timeout(i, &name, &secs); i++) {
        double x = sm_idle_x((double)secs, left, w);
        fprintf(o,
                "<line x1='%.1f' y1='14' x2='%.1f' y2='%.0f' stroke='#000' "
                "stroke-dasharray='5 3'/><text x='%.1f' y='%.0f' text-anchor='middle'>%.0f "
                "s</text><title>",
                x, x, 2 * H + 20, x, i % 2 ? 2 * H + 48.0 : 2 * H + 60.0, (double)secs);
        sm_html(o, name);
        fputs("</title>", o);
    }
    /* Axis: 1 s, 10 s, 1 min, 10 min, 1 h, 1 d. */
    static const struct {
        double s;
        const char *label;
    } ticks[] = { { 1, "1 s" },      { 10, "10 s" },  { 60, "1 min" },
                  { 600, "10 min" }, { 3600, "1 h" }, { 86400, "1 d" } };
    for (size_t i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++)
        fprintf(o, "<text x='%.1f' y='292' text-anchor='middle'>%s</text>",
                sm_idle_x(ticks[i].s, left, w), ticks[i].label);
    fputs("</svg>", o);
    /* The timeouts in words (the chart's labels are only seconds). */
    fputs("<ul class='legend'>", o);
    for (size_t i = 0; sm_event_idle_timeout(i, &name, &secs); i++) {
        fputs("<li>", o);
        sm_html(o, name);
        fputs("</li>", o);
    }
    fputs("</ul></section>\n", o);
}

/* ---- top hosts ---- */

static void sm_html_mix(FILE *o, const struct sm_report_host *h, const char *chart)
{
    fprintf(o,
            "<svg class='chart' data-chart='%s' width='200' height='14' viewBox='0 0 200 "
            "14'>",
            chart);
    double x = 0;
    for (int v = 0; v < SM_V_COUNT; v++) {
        if (!h->verdict[v])
            continue;
        double w = 200.0 * (double)h->verdict[v] / (double)(h->total ? h->total : 1);
        fprintf(o,
                "<rect class='mark' x='%.1f' width='%.1f' height='14' fill='url(#p-%s)'>"
                "<title>%s: %" PRIu32 "</title></rect>",
                x, w < 0.5 ? 0.5 : w, sm_verdict_name((enum sm_verdict)v),
                sm_verdict_name((enum sm_verdict)v), h->verdict[v]);
        x += w;
    }
    fputs("</svg>", o);
    /* The mix in words too. */
    bool first = true;
    for (int v = 0; v < SM_V_COUNT; v++) {
        if (!h->verdict[v])
            continue;
        fprintf(o, "%s%s %" PRIu32, first ? "" : ", ", sm_verdict_name((enum sm_verdict)v),
                h->verdict[v]);
        first = false;
    }
}

static void sm_html_top(FILE *o, const struct sm_report *r)
{
    fputs("<section id='top'><h2>Top failing clients and servers</h2>", o);
    const struct sm_report_host *top[SM_REPORT_TOP];
    for (int k = 0; k < 2; k++) {
        unsigned n = sm_report_top(k ? r->servers : r->clients, top);
        fprintf(o, "<h3>%s</h3>", k ? "Servers" : "Clients");
        if (n == 0) {
            fputs("<p class='empty'>No failure.</p>", o);
            continue;
        }
        fprintf(o,
                "<table id='top-%s'><thead><tr><th>%s</th><th class='n'>failed</th>"
                "<th class='n'>connections</th><th style='width:50%%'>verdicts</th></tr>"
                "</thead><tbody>",
                k ? "servers" : "clients", k ? "server" : "client");
        for (unsigned i = 0; i < n; i++) {
            char a[48], chart[32];
            sm_addr_format(&top[i]->addr, top[i]->ip_version, a, sizeof(a));
            fputs("<tr><td>", o);
            sm_html(o, a);
            if (k)
                fprintf(o, " port %u", top[i]->port);
            fprintf(o,
                    "</td><td class='n' data-n='%" PRIu64 "'>%s%" PRIu64
                    "</td><td class='n'>%" PRIu64 "</td><td>",
                    top[i]->failed, top[i]->error ? "&le; " : "", top[i]->failed, top[i]->total);
            snprintf(chart, sizeof(chart), "mix-%s-%u", k ? "s" : "c", i);
            sm_html_mix(o, top[i], chart);
            fputs("</td></tr>", o);
        }
        fputs("</tbody></table>", o);
    }
    fputs("</section>\n", o);
}

/* ---- SSH software and algorithms ---- */

static void sm_html_names(FILE *o, const char *id, const char *title,
                          const struct sm_report_names *t, int alg)
{
    fprintf(o, "<h3>%s</h3>", title);
    if (t->n == 0) {
        fputs("<p class='empty'>None seen.</p>", o);
        return;
    }
    uint32_t idx[SM_REPORT_NAMES];
    sm_report_names_order(t, idx);
    fprintf(o,
            "<table id='%s'><thead><tr><th>name</th><th class='n'>connections</th></tr></thead>"
            "<tbody>",
            id);
    for (uint32_t i = 0; i < t->n; i++) {
        const char *name = t->name[idx[i]];
        const char *weak = alg >= 0 ? sm_report_alg_weak((enum sm_report_alg)alg, name) : NULL;
        fputs("<tr><td>", o);
        sm_html(o, name);
        if (weak) {
            fputs(" <span class='weak'>", o);
            sm_html(o, weak);
            fputs("</span>", o);
        }
        fprintf(o, "</td><td class='n'>%" PRIu64 "</td></tr>", t->count[idx[i]]);
    }
    if (t->other)
        fprintf(o, "<tr><td>(others)</td><td class='n'>%" PRIu64 "</td></tr>", t->other);
    fputs("</tbody></table>", o);
}

static void sm_html_ssh(FILE *o, const struct sm_report *r)
{
    fputs("<section id='ssh'><h2>SSH software and algorithms</h2>", o);
    fprintf(o,
            "<p>Key exchange negotiated on <span data-n='%" PRIu64 "'>%" PRIu64
            "</span> connections; exposed to Terrapin (CVE-2023-48795: chacha20-poly1305 or "
            "CBC with an EtM MAC without strict key exchange on both sides): <b "
            "id='terrapin' data-n='%" PRIu64 "'>%" PRIu64 "</b>.</p>",
            r->negotiated, r->negotiated, r->terrapin_exposed, r->terrapin_exposed);
    sm_html_names(o, "soft-client", "Client software", &r->soft_client, -1);
    sm_html_names(o, "soft-server", "Server software", &r->soft_server, -1);
    sm_html_names(o, "alg-kex", "Key exchange", &r->alg[SM_REPORT_ALG_KEX], SM_REPORT_ALG_KEX);
    sm_html_names(o, "alg-hostkey", "Host key", &r->alg[SM_REPORT_ALG_HOSTKEY],
                  SM_REPORT_ALG_HOSTKEY);
    sm_html_names(o, "alg-cipher", "Cipher (client to server)", &r->alg[SM_REPORT_ALG_CIPHER],
                  SM_REPORT_ALG_CIPHER);
    sm_html_names(o, "alg-mac", "MAC (client to server)", &r->alg[SM_REPORT_ALG_MAC],
                  SM_REPORT_ALG_MAC);
    fputs("</section>\n", o);
}

/* ---- patterns ---- */

static void sm_html_patterns(FILE *o, const struct sm_report *r)
{
    static const char *const kind[] = { "ban", "mass refusal", "SYN flood", "idle timeout",
                                        "password guessing" };
    fputs("<section id='patterns'><h2>Bans, floods and other patterns</h2>", o);
    if (r->npatterns == 0) {
        fputs("<p class='empty'>No pattern across connections.</p></section>\n", o);
        return;
    }
    fputs("<table id='pattern-list'><thead><tr><th>pattern</th><th>server</th><th>client</th>"
          "<th class='n'>connections</th><th class='n'>sources</th><th>verdict</th>"
          "<th>from</th><th>to</th></tr></thead><tbody>",
          o);
    for (uint32_t i = 0; i < r->npatterns; i++) {
        const struct sm_pattern_report *p = &r->pattern[i];
        char sv[48], cl[48];
        sm_addr_format(&p->server, p->ip_version, sv, sizeof(sv));
        sm_addr_format(&p->client, p->ip_version, cl, sizeof(cl));
        bool has_client =
                p->kind == SM_PAT_BAN || p->kind == SM_PAT_PASSWORD_GUESSING ||
                (p->kind == SM_PAT_IDLE_TIMEOUT && p->idle.scope == SM_IDLE_SCOPE_CLIENT_NET);
        fprintf(o, "<tr><td>%s", kind[p->kind]);
        if (p->kind == SM_PAT_IDLE_TIMEOUT)
            fprintf(o, " %.0f to %.0f s", floor((double)p->idle.lo_us / 1e6),
                    ceil((double)p->idle.hi_us / 1e6));
        else if (p->kind == SM_PAT_PASSWORD_GUESSING)
            fprintf(o, ", %" PRIu32 " failed attempts", p->failures);
        fputs("</td><td>", o);
        sm_html(o, sv);
        fprintf(o, " port %u</td><td>", p->port);
        sm_html(o, has_client ? cl : "-");
        fprintf(o, "</td><td class='n'>%" PRIu32 "</td><td class='n'>%" PRIu32 "</td><td>",
                p->connections, p->sources);
        sm_swatch(o, p->verdict);
        fprintf(o, "%s</td><td>", sm_verdict_name(p->verdict));
        sm_ts(o, p->first_ts);
        fputs("</td><td>", o);
        sm_ts(o, p->last_ts);
        fputs("</td></tr>", o);
    }
    fputs("</tbody></table>", o);
    if (r->patterns_more)
        fprintf(o, "<p>%" PRIu64 " more not listed.</p>", r->patterns_more);
    fputs("</section>\n", o);
}

/* ---- examples with their ladder ---- */

static void sm_html_ladder(FILE *o, const struct sm_report_example *x, const char *chart)
{
    const struct sm_ladder *l = &x->ladder;
    const double W = 640, row = 24, top = 34, cx = 150, sx = 560;
    double H = top + row * (l->n ? l->n : 1) + 10;
    fprintf(o,
            "<svg class='chart ladder' data-chart='%s' width='%.0f' height='%.0f' "
            "viewBox='0 0 %.0f %.0f' role='img'>",
            chart, W, H, W, H);
    fprintf(o,
            "<text x='%.0f' y='14' text-anchor='middle' font-weight='bold'>client</text>"
            "<text x='%.0f' y='14' text-anchor='middle' font-weight='bold'>server</text>"
            "<text x='4' y='14'>seconds</text>"
            "<line x1='%.0f' y1='20' x2='%.0f' y2='%.0f' stroke='#333' stroke-width='2'/>"
            "<line x1='%.0f' y1='20' x2='%.0f' y2='%.0f' stroke='#333' stroke-width='2'/>",
            cx, sx, cx, cx, H - 4, sx, sx, H - 4);
    for (unsigned i = 0; i < l->n; i++) {
        const struct sm_ladder_row *rw = &l->row[i];
        double y = top + row * i;
        char label[96];
        if (rw->kind != SM_LADDER_MORE)
            fprintf(o, "<text x='4' y='%.0f'>%.6f</text>", y + 4, (double)(rw->ts - l->t0) / 1e6);
        switch (rw->kind) {
        case SM_LADDER_TO_SERVER:
        case SM_LADDER_TO_CLIENT: {
            bool to_s = rw->kind == SM_LADDER_TO_SERVER;
            bool bad = strstr(rw->label, "RST") || strstr(rw->label, "ICMP");
            fprintf(o,
                    "<line class='mark' x1='%.0f' y1='%.0f' x2='%.0f' y2='%.0f' stroke='#222' "
                    "stroke-width='%s' %smarker-end='url(#arr)'/>",
                    to_s ? cx : sx, y + 6, to_s ? sx - 2 : cx + 2, y + 6, bad ? "2.5" : "1.3",
                    bad ? "stroke-dasharray='6 2' " : "");
            fprintf(o, "<text x='%.0f' y='%.0f' text-anchor='middle'>", (cx + sx) / 2, y + 1);
            sm_html(o, rw->label);
            fputs("</text>", o);
            break;
        }
        case SM_LADDER_GAP:
            snprintf(label, sizeof(label), "%s %.3f s", rw->label[0] ? rw->label : "silence",
                     (double)rw->n / 1e6);
            fprintf(o,
                    "<rect class='mark' x='%.0f' y='%.0f' width='%.0f' height='14' "
                    "fill='#fff3c4' stroke='#a07000' stroke-dasharray='3 3'/>"
                    "<text x='%.0f' y='%.0f' text-anchor='middle'>",
                    cx, y - 4, sx - cx, (cx + sx) / 2, y + 7);
            sm_html(o, label);
            fputs("</text>", o);
            break;
        case SM_LADDER_MORE:
            snprintf(label, sizeof(label), "\xe2\x8b\xae %" PRIu64 " more packet%s", rw->n,
                     rw->n == 1 ? "" : "s");
            fprintf(o, "<text class='mark' x='%.0f' y='%.0f' text-anchor='middle'>", (cx + sx) / 2,
                    y + 6);
            fputs(label, o);
            fputs("</text>", o);
            break;
        }
    }
    fputs("</svg>", o);
}

static void sm_html_examples(FILE *o, const struct sm_report *r)
{
    fputs("<section id='examples'><h2>An example of each failure</h2>", o);
    bool any = false;
    for (int v = 0; v < SM_V_COUNT; v++) {
        const struct sm_report_example *x = &r->example[v];
        if (!x->set)
            continue;
        any = true;
        const char *name = sm_verdict_name((enum sm_verdict)v);
        fprintf(o, "<div class='ex' id='ex-%s'><h3>", name);
        sm_swatch(o, (enum sm_verdict)v);
        fprintf(o, "%s <small>(%" PRIu64 " connection%s; confidence %.2f)</small></h3><p>", name,
                r->verdict[v], r->verdict[v] == 1 ? "" : "s", x->confidence);
        bool v6 = x->ip_version == 6;
        fprintf(o, "%s", v6 ? "[" : "");
        sm_html(o, x->src);
        fprintf(o, "%s:%u &rarr; %s", v6 ? "]" : "", x->sport, v6 ? "[" : "");
        sm_html(o, x->dst);
        fprintf(o, "%s:%u, flow %" PRIu64 ", ", v6 ? "]" : "", x->dport, x->flow_id);
        sm_ts(o, x->first_ts);
        fputs("</p><p><span class='k'>reason:</span> ", o);
        sm_html(o, x->reason);
        fputs("</p><p><span class='k'>hint:</span> ", o);
        sm_html(o, x->hint);
        fputs("</p>", o);
        if (x->symptom[0]) {
            fputs("<p><span class='k'>symptom (the client said):</span> <code>", o);
            sm_html(o, x->symptom);
            fputs("</code></p>", o);
        }
        if (x->ladder.n) {
            char chart[48];
            snprintf(chart, sizeof(chart), "ladder-%s", name);
            sm_html_ladder(o, x, chart);
        }
        fputs("</div>", o);
    }
    if (!any)
        fputs("<p class='empty'>No failure.</p>", o);
    fputs("</section>\n", o);
}

int sm_report_html(const struct sm_report *r, FILE *o)
{
    fputs("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
          "<meta name='viewport' content='width=device-width, initial-scale=1'>"
          "<title>sshmortem report</title><style>",
          o);
    fputs(sm_css, o);
    for (int v = 0; v < SM_V_COUNT; v++)
        fprintf(o, ".v%d{fill:url(#p-%s)}", v, sm_verdict_name((enum sm_verdict)v));
    fputs("</style></head><body>\n", o);
    sm_html_defs(o);
    sm_html_head(o, r);
    sm_html_timeline(o, r);
    sm_html_idle(o, r);
    sm_html_top(o, r);
    sm_html_ssh(o, r);
    sm_html_patterns(o, r);
    sm_html_examples(o, r);
    fprintf(o,
            "<footer>sshmortem %s. Verdicts, evidence and hints: man sshmortem, "
            "doc/verdicts.md; this page: doc/report.md.</footer>\n</body></html>\n",
            PACKAGE_VERSION);
    return ferror(o) ? -1 : 0;
}
