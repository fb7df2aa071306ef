#!/usr/bin/python3
"""summary: score sshmortem's verdicts against the lab corpus truth.

Usage:
  score.py [--truth FILE] [--sshmortem PATH] [--min-accuracy X] [--rows OUT] [-v] [SSHMORTEM]

Defaults: --truth pcaps/lab/truth.tsv next to this repository, sshmortem
from $SSHMORTEM, else ./sshmortem. Every capture named in the truth file is
analyzed separately with the -p and --idle-min recorded for it. Events are
matched to truth rows by file + 4-tuple (either orientation) + first-packet
time within 1 s. A truth row with no event is an error ("(none)" predicted),
so is an event with no truth row, or one for a connection that is absent at
that vantage point ("(none)" expected). A row is correct when the verdict is
the expected one or one of its recorded alternatives. --rows OUT writes
one TSV line per row (scenario, file, conn, vantage, expected, predicted,
ok|wrong) for tests/lab/stability.sh.

Prints PASS/FAIL per scenario, the confusion matrix (rows: expected,
columns: predicted), precision and recall per verdict, and last
"accuracy: C/T". The same captures are scored a second time with
sshmortem's default options (only -r: no -p, which for a file is -p auto,
and not the recorded --idle-min): rows
right with the lab's options but wrong by default are listed, then
"accuracy with default options: C/T" (printed before the last line). Exit status 0 when it ran; with --min-accuracy X (0..1)
it is 1 when C/T < X. 2 on usage or input errors.
"""
import collections
import csv
import datetime
import json
import os
import subprocess
import sys

TOL = 1.0
NONE = "(none)"


def parse_time(s):
    s = s.rstrip("Z")
    if "+" in s[10:]:
        s = s[:10] + s[10:].split("+")[0]
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def endpoint(s):
    """'1.2.3.4:22' or '[2001:db8::1]:22' -> (ip, port)"""
    if s.startswith("["):
        a, p = s[1:].split("]:")
    else:
        a, p = s.rsplit(":", 1)
    return a, int(p)


def run(sm, path, ports, idle, log):
    cmd = [sm, "-r", path] + (["-p", ports] if ports is not None else []) + \
        (["--idle-min", idle] if idle is not None else [])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        log("score: %s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()[:300]))
    evs = []
    for line in p.stdout.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            log("score: %s: unparsable output line: %s" % (path, line[:120]))
            continue
        if ev.get("event_type") != "ssh_teardown":
            continue
        evs.append(ev)
    return evs


def score_all(sm, base, byfile, log, default_options):
    """Match events to truth rows; default_options: run sshmortem with
    no option but -r (for a file that is -p auto: SSH found by content on
    any port, and its own --idle-min), not the -p and --idle-min recorded
    per capture."""
    results = []   # (scenario, file, row or None, expected, predicted, ok, detail)
    for fn, frows in byfile.items():
        path = os.path.join(base, fn)
        if not os.path.exists(path):
            log("score: missing capture %s" % path)
            return None
        evs = run(sm, path, None if default_options else frows[0]["ports"],
                  None if default_options else frows[0]["idle_min"], log)
        used = set()
        for r in frows:
            c, s = endpoint(r["client"]) if r["client"] else (None, None), \
                endpoint(r["server"]) if r["server"] else (None, None)
            key = frozenset((c, s))
            t0 = float(r["first_packet"]) if r["first_packet"] else None
            match = None
            for i, ev in enumerate(evs):
                if i in used:
                    continue
                ek = frozenset(((ev.get("src_ip"), ev.get("src_port")),
                                (ev.get("dest_ip"), ev.get("dest_port"))))
                if ek != key:
                    continue
                try:
                    st = parse_time(ev["flow"]["start"])
                except (KeyError, ValueError, TypeError):
                    st = None
                if t0 is not None and (st is None or abs(st - t0) > TOL):
                    continue
                match = i
                break
            absent = r["absent"] == "true"
            if match is not None:
                used.add(match)
            if absent:
                if match is not None:
                    results.append((r["scenario"], fn, r, NONE, evs[match].get("verdict", "?"), False,
                                    "event for a connection absent at this vantage point"))
                continue
            alts = [a for a in r["alternatives"].split(",") if a]
            if match is None:
                results.append((r["scenario"], fn, r, r["verdict"], NONE, False, "no event"))
                continue
            got = evs[match].get("verdict", "?")
            ok = got == r["verdict"] or got in alts
            results.append((r["scenario"], fn, r, got if (ok and got in alts) else r["verdict"],
                            got, ok, "" if ok else "wrong verdict"))
        scen = frows[0]["scenario"]
        for i, ev in enumerate(evs):
            if i not in used:
                results.append((scen, fn, None, NONE, ev.get("verdict", "?"), False,
                                "extra event %s:%s -> %s:%s" % (ev.get("src_ip"), ev.get("src_port"),
                                                               ev.get("dest_ip"), ev.get("dest_port"))))
    return results


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    truth = os.path.join(here, "..", "..", "pcaps", "lab", "truth.tsv")
    sm = os.environ.get("SSHMORTEM") or "./sshmortem"
    min_acc, verbose, rows_out = None, False, None
    args = argv[1:]
    while args:
        a = args.pop(0)
        if a == "--truth":
            truth = args.pop(0)
        elif a == "--sshmortem":
            sm = args.pop(0)
        elif a == "--min-accuracy":
            min_acc = float(args.pop(0))
        elif a == "--rows":
            rows_out = args.pop(0)
        elif a in ("-v", "--verbose"):
            verbose = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif not a.startswith("-"):
            sm = a
        else:
            print("score: unknown option %s" % a, file=sys.stderr)
            return 2
    if not os.path.exists(truth):
        print("score: no truth file %s" % truth, file=sys.stderr)
        return 2
    if not os.access(sm, os.X_OK):
        print("score: sshmortem not executable: %s" % sm, file=sys.stderr)
        return 2
    base = os.path.dirname(os.path.abspath(truth))
    with open(truth, newline="") as f:
        rows = [r for r in csv.DictReader((l for l in f if not l.startswith("#")),
                                          delimiter="\t", quoting=csv.QUOTE_NONE)]
    byfile = collections.OrderedDict()
    for r in rows:
        byfile.setdefault(r["file"], []).append(r)

    def log(msg):
        print(msg, file=sys.stderr)

    results = score_all(sm, base, byfile, log, False)
    dresults = score_all(sm, base, byfile, log, True) if results is not None else None
    if results is None or dresults is None:
        return 2

    if rows_out:
        # one line per truth row (lab options): what stability.sh compares
        with open(rows_out, "w") as f:
            for x in results:
                r = x[2]
                f.write("\t".join([x[0], x[1], r["conn"] if r else "-", r["vantage"] if r else "-",
                                    x[3], x[4], "ok" if x[5] else "wrong"]) + "\n")

    # per scenario
    per = collections.OrderedDict()
    for res in results:
        per.setdefault(res[0], []).append(res)
    for scen, rs in sorted(per.items()):
        bad = [x for x in rs if not x[5]]
        print("%s %s: %d/%d" % ("PASS" if not bad else "FAIL", scen, len(rs) - len(bad), len(rs)))
        if bad and verbose:
            for x in bad:
                r = x[2]
                print("    %s conn %s %s: expected %s, got %s (%s)" % (
                    x[1], r["conn"] if r else "-", r["vantage"] if r else "", x[3], x[4], x[6]))

    # confusion matrix
    conf = collections.Counter((x[3], x[4]) for x in results)
    labels = sorted({x[3] for x in results} | {x[4] for x in results}, key=lambda v: (v == NONE, v))
    w = max(len(l) for l in labels) + 1
    print()
    print("confusion matrix (rows expected, columns predicted):")
    short = [l[:6] for l in labels]
    print(" " * w + " ".join("%6s" % s for s in short))
    for e in labels:
        print(e.ljust(w) + " ".join("%6s" % (conf[(e, p)] or ".") for p in labels))
    print("columns: " + ", ".join("%s=%s" % (s, l) for s, l in zip(short, labels)))
    print()
    print("%-22s %9s %9s %6s" % ("verdict", "precision", "recall", "rows"))
    for v in labels:
        if v == NONE:
            continue
        tp = conf[(v, v)]
        pred = sum(conf[(e, v)] for e in labels)
        real = sum(conf[(v, p)] for p in labels)
        pr = "%.2f" % (tp / pred) if pred else "-"
        rc = "%.2f" % (tp / real) if real else "-"
        print("%-22s %9s %9s %6d" % (v, pr, rc, real))
    # The same captures with sshmortem's default options (only -r): the
    # lab's -p 22,2222 and short --idle-min per capture are not what a
    # user runs.
    dc = sum(1 for x in dresults if x[5])
    print()
    print("with default options (-r only: -p auto, sshmortem's own --idle-min):")
    lab_ok = {(x[1], x[2]["conn"], x[2]["vantage"]) for x in results if x[5] and x[2]}
    for x in dresults:
        if not x[5] and x[2] and (x[1], x[2]["conn"], x[2]["vantage"]) in lab_ok:
            print("    %s conn %s %s: expected %s, got %s with default options" % (
                x[1], x[2]["conn"], x[2]["vantage"], x[3], x[4]))
    print("accuracy with default options: %d/%d" % (dc, len(dresults)))
    c = sum(1 for x in results if x[5])
    t = len(results)
    print("accuracy: %d/%d" % (c, t))
    if min_acc is not None and (t == 0 or c / t < min_acc):
        print("score: accuracy %.3f below --min-accuracy %.3f" % (c / t if t else 0, min_acc),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
