/* SPDX-License-Identifier: MIT */
/* summary: command line and wiring only; no logic worth testing lives here. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "engine.h"
#include "pattern.h"
#include "log.h"
#include "output.h"

#define SM_MAX_INPUTS 4096

/* Exit statuses (SPEC.md "Command line"). */
enum {
    SM_EXIT_OK = 0,
    SM_EXIT_USAGE = 1,
    SM_EXIT_INPUT = 2
};

static void sm_usage(FILE *out)
{
    fprintf(out,
            "usage: sshmortem -r FILE [-r FILE ...] | -i IFACE [-i IFACE ...] [options]\n"
            "  -r FILE            read a pcap or pcapng file (\"-\" is stdin); repeat for\n"
            "                     rotated captures, read as one timeline\n"
            "  -i IFACE           capture live (an interface, \"any\", \"nflog:N\"); repeat\n"
            "                     for one timeline of several (an NFLOG group beside an\n"
            "                     interface only names the rules of its connections)\n"
            "  -p PORTS           SSH server ports, comma separated; \"auto\" adds every\n"
            "                     TCP connection that starts with an SSH identification\n"
            "                     line, on any port (-p auto: 22 and those). Default:\n"
            "                     auto for files (-r), 22 for live capture (-i)\n"
            "  -f FILTER          extra BPF expression ANDed with the default filter\n"
            "  -F FORMAT          json (default) | text | summary; text is for reading:\n"
            "                     a line per connection, and for failures the reason,\n"
            "                     hint, evidence and a diagram of the decisive packets\n"
            "  --color WHEN       colour in -F text: auto (default: on a terminal, unless\n"
            "                     NO_COLOR is set) | always | never\n"
            "  -o DEST            output: a file, appended to (never truncated) and\n"
            "                     reopened on SIGHUP; \"-\" (stdout, the default);\n"
            "                     syslog://HOST[:PORT] or syslog+tcp://HOST[:PORT]\n"
            "  -Z USER            drop privileges after opening the capture (live)\n"
            "  --conntrack        live: join this host's conntrack events (NEW, UPDATE,\n"
            "                     DESTROY) to the connections: an entry destroyed idle\n"
            "                     makes state-table-timeout certain (CAP_NET_ADMIN)\n"
            "  -B, --buffer-size KIB  kernel capture buffer in KiB (live; default %u)\n"
            "  -s, --snaplen SNAPLEN  bytes kept of each packet (live; default %u,\n"
            "                     0: 262144)\n"
            "  --stats-interval SECS  a capture_stats event this often (live; default\n"
            "                     %u, 0: only at exit)\n"
            "  --idle-min SECS    idle gap that counts as idle (default %u)\n"
            "  --failures-only    no event for normal-close connections\n"
            "  --max-flows N      concurrent connections kept (default %u)\n"
            "  --host NAME        sensor name in events (default: the host name)\n"
            "  --hash-seed N      flow hash seed (default: random)\n"
            "  --stats            end with a capture_stats event\n"
            "  --fold-floods      members of a SYN flood only counted in its ssh_pattern event\n"
            "  --guess-failures N  failed authentication attempts from one client that make\n"
            "                     a password-guessing ssh_pattern (default %u)\n"
            "  --guess-window SECS  ... within this many seconds (default %u)\n"
            "  --local-nets CIDR,...  the site's own networks (IPv4 and IPv6); every\n"
            "                     ssh_teardown event then says its direction: inbound,\n"
            "                     outbound, internal or external (as Zeek's Site::local_nets)\n"
            "  --patterns-inbound-only  only inbound connections make ssh_pattern events\n"
            "                     (bans, refusals, floods, idle timeouts, password guessing);\n"
            "                     needs --local-nets\n"
            "  --linger SECS      an ended connection waits this long for stragglers (30)\n"
            "  --handshake-timeout SECS  a silent half-open connection is over (75)\n"
            "  --syn-rto-ms MS    a lone SYN younger than this at capture end is\n"
            "                     unfinished (1000)\n"
            "  --death-transmissions N  transmissions of a segment never acknowledged\n"
            "                     that make it dead (3; one less once the connection ended)\n"
            "  --syslog-backlog N  events kept for a syslog+tcp collector that is away\n"
            "                     or slow, replayed in order when it is back (%u)\n"
            "  --report FILE.html  also write one self-contained HTML page of the\n"
            "                     analysis (verdicts over time, idle gaps, top failing\n"
            "                     hosts, SSH software and algorithms, patterns, an\n"
            "                     example per failure); live: at exit and on SIGUSR1\n"
            "  --report-json FILE  the numbers behind that page's charts, as JSON\n"
            "  --max-event-size BYTES  largest event (syslog: header included; default\n"
            "                     %u for syslog, no limit for files unless given); bulky\n"
            "                     parts are left out first (\"trimmed\"), else it is lost\n"
            "  -h, --help         this text\n"
            "  --version          the version\n"
            "Exit status: 0 success; 1 bad usage; 2 an input that could not be read\n"
            "(after analyzing every one that could) or events that could not be\n"
            "written (counted in capture_stats \"output\", said on stderr).\n"
            "The verdicts, their evidence and hints: man sshmortem, doc/verdicts.md;\n"
            "every field of an event: doc/events.md.\n"
            "signals (live): SIGHUP reopens the output file; SIGUSR1 writes --report\n"
            "  now; SIGINT or SIGTERM stop the capture, write the connections still\n"
            "  open and the final statistics\n",
            SM_LIVE_BUFFER_BYTES / 1024, SM_SNAPLEN, SM_STATS_INTERVAL_SECS,
            SM_DEFAULT_IDLE_MIN_SECS, SM_DEFAULT_MAX_FLOWS, SM_PATTERN_GUESS_FAILURES,
            SM_PATTERN_GUESS_WINDOW_SECS, SM_OUTPUT_DEFAULT_BACKLOG, SM_OUTPUT_DEFAULT_MAX_EVENT);
}

/* A usage mistake: one line, then the status; --help has the rest. */
#define SM_SEE_HELP "; see sshmortem --help"

/* getopt's own messages name the program by its path and come before a
 * page of usage; this says the one thing that went wrong instead. opt is
 * what getopt_long returned (':' or '?'), arg the word it stopped on. */
static void sm_bad_option(int opt, int optopt_, const char *arg)
{
    char name[64];
    if (optopt_ > 0 && optopt_ < 256)
        snprintf(name, sizeof(name), "-%c", optopt_);
    else /* a long option, as written, without any "=value" */
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
    if (opt == ':')
        fprintf(stderr, "sshmortem: %s needs an argument" SM_SEE_HELP "\n", name);
    else if (optopt_ >= 256)
        fprintf(stderr, "sshmortem: %s takes no argument" SM_SEE_HELP "\n", name);
    else
        fprintf(stderr, "sshmortem: unknown option %s" SM_SEE_HELP "\n", name);
}

static bool sm_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

static bool sm_parse_ports(const char *s, struct sm_engine_config *cfg)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", s);
    cfg->nports = 0;
    cfg->content_select = false;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (strcmp(tok, "auto") == 0) {
            cfg->content_select = true;
            continue;
        }
        if (!sm_parse_u64(tok, 65535, &v) || v == 0 || cfg->nports >= SM_MAX_PORTS)
            return false;
        cfg->ports[cfg->nports++] = (uint16_t)v;
    }
    if (cfg->content_select && cfg->nports == 0) /* "auto": 22 and the rest by content */
        cfg->ports[cfg->nports++] = 22;
    return cfg->nports > 0;
}

/* -F text: colour when asked, or on a terminal unless NO_COLOR is set
 * (no-color.org: an explicit --color=always wins); the width from COLUMNS,
 * else the terminal's, else 80; file names when several -r are read. */
static void sm_text_style(struct sm_text_style *st, int color, const char *dest, size_t ninputs)
{
    bool to_tty = (!dest || strcmp(dest, "-") == 0) && isatty(STDOUT_FILENO);
    const char *no_color = getenv("NO_COLOR");
    st->color = color == 1 || (color < 0 && to_tty && !(no_color && *no_color));
    uint64_t cols = 0;
    struct winsize ws;
    if (!sm_parse_u64(getenv("COLUMNS"), 10000, &cols) && to_tty &&
        ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
        cols = ws.ws_col;
    st->width = cols ? (unsigned)cols : 80;
    st->show_source = ninputs > 1;
}

static void sm_on_stop(int sig)
{
    (void)sig;
    sm_engine_request_stop();
}

static void sm_on_hup(int sig)
{
    (void)sig;
    sm_engine_request_reopen();
}

static void sm_on_usr1(int sig)
{
    (void)sig;
    sm_engine_request_report();
}

static uint64_t sm_random_seed(void)
{
    uint64_t seed = 0;
#ifdef HAVE_GETRANDOM
    if (getrandom(&seed, sizeof(seed), 0) == (ssize_t)sizeof(seed))
        return seed;
#endif
    return (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)time(NULL);
}

int main(int argc, char **argv)
{
    enum {
        OPT_IDLE = 256,
        OPT_FAILURES,
        OPT_VERSION,
        OPT_HOST,
        OPT_SEED,
        OPT_MAXFLOWS,
        OPT_STATS,
        OPT_FOLD,
        OPT_LINGER,
        OPT_HSTIMEOUT,
        OPT_SYNRTO,
        OPT_DEATH,
        OPT_BACKLOG,
        OPT_MAXEVENT,
        OPT_STATS_INTERVAL,
        OPT_COLOR,
        OPT_GUESS_FAILURES,
        OPT_GUESS_WINDOW,
        OPT_LOCALNETS,
        OPT_PAT_INBOUND,
        OPT_REPORT,
        OPT_REPORT_JSON,
        OPT_CONNTRACK
    };
    static const struct option longopts[] = {
        { "idle-min", required_argument, NULL, OPT_IDLE },
        { "conntrack", no_argument, NULL, OPT_CONNTRACK },
        { "failures-only", no_argument, NULL, OPT_FAILURES },
        { "version", no_argument, NULL, OPT_VERSION },
        { "host", required_argument, NULL, OPT_HOST },
        { "hash-seed", required_argument, NULL, OPT_SEED },
        { "max-flows", required_argument, NULL, OPT_MAXFLOWS },
        { "stats", no_argument, NULL, OPT_STATS },
        { "fold-floods", no_argument, NULL, OPT_FOLD },
        { "linger", required_argument, NULL, OPT_LINGER },
        { "handshake-timeout", required_argument, NULL, OPT_HSTIMEOUT },
        { "syn-rto-ms", required_argument, NULL, OPT_SYNRTO },
        { "death-transmissions", required_argument, NULL, OPT_DEATH },
        { "syslog-backlog", required_argument, NULL, OPT_BACKLOG },
        { "max-event-size", required_argument, NULL, OPT_MAXEVENT },
        { "buffer-size", required_argument, NULL, 'B' },
        { "snaplen", required_argument, NULL, 's' },
        { "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
        { "color", required_argument, NULL, OPT_COLOR },
        { "guess-failures", required_argument, NULL, OPT_GUESS_FAILURES },
        { "guess-window", required_argument, NULL, OPT_GUESS_WINDOW },
        { "local-nets", required_argument, NULL, OPT_LOCALNETS },
        { "patterns-inbound-only", no_argument, NULL, OPT_PAT_INBOUND },
        { "report", required_argument, NULL, OPT_REPORT },
        { "report-json", required_argument, NULL, OPT_REPORT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *inputs[SM_MAX_INPUTS];
    size_t ninputs = 0;
    const char *ifaces[SM_LIVE_MAX_SOURCES];
    size_t nifaces = 0;
    const char *iface = NULL, *dest = NULL; /* iface: the first -i */
    enum sm_format fmt = SM_FMT_JSON;
    char hostname[256] = "localhost";
    bool seed_given = false;
    bool live_opt = false; /* -B, -s or --stats-interval given */
    bool interval_given = false;
    bool ports_given = false; /* -p: exactly that list, for files too */
    struct sm_engine_config cfg = {
        .ports = { 22 },
        .nports = 1,
        .idle_min_secs = SM_DEFAULT_IDLE_MIN_SECS,
        .max_flows = SM_DEFAULT_MAX_FLOWS,
    };
    struct sm_output_options oo = { 0 };
    int color = -1;                        /* --color: -1 auto, 0 never, 1 always */
    static struct sm_localnets local_nets; /* large: not on the stack */
    uint64_t v;
    int opt;

    if (gethostname(hostname, sizeof(hostname) - 1) != 0)
        snprintf(hostname, sizeof(hostname), "localhost");
    cfg.host = hostname;

    opterr = 0; /* sm_bad_option() speaks instead */
    while ((opt = getopt_long(argc, argv, ":r:i:p:f:F:o:Z:B:s:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (ninputs >= SM_MAX_INPUTS) {
                fprintf(stderr, "sshmortem: too many -r inputs (at most %d)\n", SM_MAX_INPUTS);
                return SM_EXIT_USAGE;
            }
            inputs[ninputs++] = optarg;
            break;
        case 'i':
            if (nifaces >= SM_LIVE_MAX_SOURCES) {
                fprintf(stderr, "sshmortem: too many -i sources (at most %d)\n",
                        SM_LIVE_MAX_SOURCES);
                return SM_EXIT_USAGE;
            }
            ifaces[nifaces++] = optarg;
            iface = ifaces[0];
            break;
        case 'p':
            if (!sm_parse_ports(optarg, &cfg)) {
                fprintf(stderr, "sshmortem: -p: bad port list '%s'\n", optarg);
                return SM_EXIT_USAGE;
            }
            ports_given = true;
            break;
        case 'f':
            cfg.filter = optarg;
            break;
        case 'F':
            if (strcmp(optarg, "json") == 0)
                fmt = SM_FMT_JSON;
            else if (strcmp(optarg, "text") == 0)
                fmt = SM_FMT_TEXT;
            else if (strcmp(optarg, "summary") == 0)
                fmt = SM_FMT_SUMMARY;
            else {
                fprintf(stderr, "sshmortem: -F: unknown format '%s'\n", optarg);
                return SM_EXIT_USAGE;
            }
            break;
        case 'o':
            dest = optarg;
            break;
        case 'Z':
            cfg.drop_user = optarg;
            break;
        case 'B': /* KiB, as tcpdump's -B; libpcap takes an int of bytes */
            if (!sm_parse_u64(optarg, INT32_MAX / 1024, &v) || v == 0) {
                fprintf(stderr, "sshmortem: -B: not a positive number of KiB (at most %d)\n",
                        INT32_MAX / 1024);
                return SM_EXIT_USAGE;
            }
            cfg.buffer_bytes = v * 1024;
            live_opt = true;
            break;
        case 's': /* 0: the largest, as tcpdump's -s 0 */
            if (!sm_parse_u64(optarg, 262144, &v) || (v != 0 && v < 96)) {
                fprintf(stderr, "sshmortem: -s: a snapshot length of 96 to 262144 bytes, or 0\n");
                return SM_EXIT_USAGE;
            }
            cfg.snaplen = v ? (uint32_t)v : 262144;
            live_opt = true;
            break;
        case OPT_STATS_INTERVAL:
            if (!sm_parse_u64(optarg, 86400, &v)) {
                fprintf(stderr, "sshmortem: --stats-interval: not a number of seconds\n");
                return SM_EXIT_USAGE;
            }
            cfg.stats_interval_secs = (uint32_t)v;
            interval_given = live_opt = true;
            break;
        case OPT_IDLE:
            if (!sm_parse_u64(optarg, UINT32_MAX, &v)) {
                fprintf(stderr, "sshmortem: --idle-min: not a number of seconds\n");
                return SM_EXIT_USAGE;
            }
            cfg.idle_min_secs = (uint32_t)v;
            break;
        case OPT_FAILURES:
            cfg.failures_only = true;
            break;
        case OPT_HOST:
            snprintf(hostname, sizeof(hostname), "%s", optarg);
            break;
        case OPT_SEED:
            if (!sm_parse_u64(optarg, UINT64_MAX, &cfg.hash_seed)) {
                fprintf(stderr, "sshmortem: --hash-seed: not a number\n");
                return SM_EXIT_USAGE;
            }
            seed_given = true;
            break;
        case OPT_MAXFLOWS:
            if (!sm_parse_u64(optarg, UINT32_MAX, &v) || v == 0) {
                fprintf(stderr, "sshmortem: --max-flows: not a positive number\n");
                return SM_EXIT_USAGE;
            }
            cfg.max_flows = (uint32_t)v;
            break;
        case OPT_STATS:
            cfg.stats_event = true;
            break;
        case OPT_FOLD:
            cfg.fold_floods = true;
            break;
        case OPT_LINGER:
        case OPT_HSTIMEOUT:
        case OPT_SYNRTO:
        case OPT_DEATH:
            if (!sm_parse_u64(optarg, 86400000, &v) || v == 0 || (opt == OPT_DEATH && v < 2)) {
                fprintf(stderr, "sshmortem: --%s: not a positive number%s\n",
                        opt == OPT_LINGER      ? "linger"
                        : opt == OPT_HSTIMEOUT ? "handshake-timeout"
                        : opt == OPT_SYNRTO    ? "syn-rto-ms"
                                               : "death-transmissions",
                        opt == OPT_DEATH ? " of at least 2" : "");
                return SM_EXIT_USAGE;
            }
            if (opt == OPT_LINGER)
                cfg.linger_secs = (uint32_t)v;
            else if (opt == OPT_HSTIMEOUT)
                cfg.handshake_timeout_secs = (uint32_t)v;
            else if (opt == OPT_SYNRTO)
                cfg.syn_rto_ms = (uint32_t)v;
            else
                cfg.death_transmissions = (uint32_t)v;
            break;
        case OPT_GUESS_FAILURES:
        case OPT_GUESS_WINDOW:
            if (!sm_parse_u64(optarg, opt == OPT_GUESS_WINDOW ? 86400 * 7 : 1000000, &v) ||
                v == 0) {
                fprintf(stderr, "sshmortem: --%s: not a positive number%s\n",
                        opt == OPT_GUESS_WINDOW ? "guess-window" : "guess-failures",
                        opt == OPT_GUESS_WINDOW ? " of seconds (a week at most)" : "");
                return SM_EXIT_USAGE;
            }
            if (opt == OPT_GUESS_WINDOW)
                cfg.guess_window_secs = (uint32_t)v;
            else
                cfg.guess_failures = (uint32_t)v;
            break;
        case OPT_BACKLOG:
            if (!sm_parse_u64(optarg, 100000000, &v) || v == 0) {
                fprintf(stderr, "sshmortem: --syslog-backlog: not a positive number\n");
                return SM_EXIT_USAGE;
            }
            oo.backlog = (size_t)v;
            break;
        case OPT_MAXEVENT:
            /* Below 1024 not even a small event fits beside the header. */
            if (!sm_parse_u64(optarg, 1u << 30, &v) || v < 1024) {
                fprintf(stderr, "sshmortem: --max-event-size: a number of bytes, at least 1024\n");
                return SM_EXIT_USAGE;
            }
            oo.max_event = (size_t)v;
            oo.max_event_given = true;
            break;
        case OPT_CONNTRACK:
            cfg.conntrack = true;
            break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") == 0)
                color = -1;
            else if (strcmp(optarg, "always") == 0)
                color = 1;
            else if (strcmp(optarg, "never") == 0)
                color = 0;
            else {
                fprintf(stderr, "sshmortem: --color: auto, always or never\n");
                return SM_EXIT_USAGE;
            }
            break;
        case OPT_LOCALNETS: {
            char why[160];
            if (!sm_localnets_parse(&local_nets, optarg, why, sizeof(why))) {
                fprintf(stderr, "sshmortem: --local-nets: %s\n", why);
                return SM_EXIT_USAGE;
            }
            cfg.local_nets = &local_nets;
            break;
        }
        case OPT_PAT_INBOUND:
            cfg.patterns_inbound_only = true;
            break;
        case OPT_REPORT:
            cfg.report_html = optarg;
            break;
        case OPT_REPORT_JSON:
            cfg.report_json = optarg;
            break;
        case OPT_VERSION:
            printf("sshmortem %s\n", PACKAGE_VERSION);
            return SM_EXIT_OK;
        case 'h':
            sm_usage(stdout);
            return SM_EXIT_OK;
        default:
            sm_bad_option(opt, optopt, argv[optind - 1]);
            return SM_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr,
                "sshmortem: unexpected argument '%s' (captures are read with -r)" SM_SEE_HELP "\n",
                argv[optind]);
        return SM_EXIT_USAGE;
    }
    if (ninputs > 0 && iface) {
        fprintf(stderr, "sshmortem: -r and -i: read files or capture live, not both\n");
        return SM_EXIT_USAGE;
    }
    if (ninputs == 0 && !iface) {
        fprintf(stderr, "sshmortem: nothing to read: give -r FILE or -i IFACE" SM_SEE_HELP "\n");
        return SM_EXIT_USAGE;
    }
    if (cfg.drop_user && !iface) {
        fprintf(stderr, "sshmortem: -Z only applies to live capture (-i)\n");
        return SM_EXIT_USAGE;
    }
    if (cfg.conntrack && !iface) {
        fprintf(stderr, "sshmortem: --conntrack only applies to live capture (-i)\n");
        return SM_EXIT_USAGE;
    }
    if (live_opt && !iface) {
        fprintf(stderr, "sshmortem: -B, -s and --stats-interval only apply to live capture (-i)\n");
        return SM_EXIT_USAGE;
    }
    if (cfg.patterns_inbound_only && !cfg.local_nets) {
        fprintf(stderr, "sshmortem: --patterns-inbound-only needs --local-nets (what is inbound "
                        "is relative to them)\n");
        return SM_EXIT_USAGE;
    }
    /* Without -p, a file is searched for SSH on every port (-p auto: 22,
     * and the rest by content): it costs about 1.5 % of the instructions on
     * the benchmark mix (doc/performance.md), and a capture handed over
     * for a post-mortem is read once, by someone who may not know which
     * ports the servers used. Live capture keeps port 22 alone: there all
     * TCP would cross from the kernel, on links where SSH may be a small
     * part of the traffic. */
    if (!ports_given && !iface)
        cfg.content_select = true;
    if (iface && !interval_given)
        cfg.stats_interval_secs = SM_STATS_INTERVAL_SECS;
    if (!seed_given)
        cfg.hash_seed = sm_random_seed();

    char err[512];
    oo.host = hostname;
    oo.line_buffered = iface != NULL;
    sm_text_style(&oo.text, color, dest, ninputs);
    struct sm_output *out = sm_output_open_opts(dest, fmt, &oo, err, sizeof(err));
    if (!out) {
        fprintf(stderr, "sshmortem: -o: %s\n", err);
        return SM_EXIT_USAGE;
    }
    struct sm_engine *e = sm_engine_new(&cfg, out);
    if (!e) {
        fprintf(stderr, "sshmortem: out of memory\n");
        sm_output_close(out);
        return SM_EXIT_INPUT;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sm_on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = sm_on_hup;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = sm_on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int status = SM_EXIT_OK;
    if (iface) {
        status = sm_engine_run_live(e, ifaces, nifaces);
    } else {
        for (size_t i = 0; i < ninputs; i++) {
            int rc = sm_engine_run_file(e, inputs[i]);
            if (rc == SM_EXIT_USAGE) { /* -f: said once, not once per file */
                status = rc;
                break;
            }
            if (rc > status)
                status = rc;
        }
    }
    sm_engine_finish(e);
    if (sm_engine_write_report(e) != 0 && status == SM_EXIT_OK)
        status = SM_EXIT_INPUT;
    sm_engine_free(e);
    /* Events that could not be written (said on stderr) fail the run. */
    if (sm_output_finish(out) && status == SM_EXIT_OK)
        status = SM_EXIT_INPUT;
    sm_output_close(out);
    return status;
}
