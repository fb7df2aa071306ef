#!/usr/bin/python3
# summary: loads one --report page in headless Chromium over the DevTools
# protocol (python3-websocket) and fails on a console error or exception, a
# chart with no marks, text overflowing its box, or numbers that differ from
# the NDJSON of the same run; saves a full-page PNG screenshot.
# Usage: check_report.py CHROMIUM PAGE.html RUN.ndjson SHOT.png
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import websocket

# Run in the page once it has loaded: what the checks need, as JSON.
PROBE = r"""
(() => {
  const out = {charts: [], overflow: [], numbers: {}, verdicts: {}, width: 0};
  for (const c of document.querySelectorAll('svg.chart')) {
    const vb = c.viewBox.baseVal;
    const r = {name: c.dataset.chart, marks: c.querySelectorAll('.mark').length,
               outside: []};
    // Text drawn outside the chart's own box.
    for (const t of c.querySelectorAll('text')) {
      const b = t.getBBox();
      if (b.width === 0) continue;
      if (b.x < vb.x - 1 || b.x + b.width > vb.x + vb.width + 1 ||
          b.y < vb.y - 1 || b.y + b.height > vb.y + vb.height + 1)
        r.outside.push(t.textContent.slice(0, 60));
    }
    out.charts.push(r);
  }
  // HTML text wider than its box (cut off or spilling over a neighbour).
  for (const e of document.querySelectorAll('h1,h2,h3,p,li,td,th,.kpi,code,span')) {
    if (e.closest('svg')) continue;
    const cs = getComputedStyle(e);
    if (cs.display === 'inline') continue;
    if (e.scrollWidth > e.clientWidth + 1)
      out.overflow.push(e.tagName + ': ' + e.textContent.slice(0, 60));
  }
  out.width = document.documentElement.scrollWidth;
  out.viewport = window.innerWidth;
  for (const id of ['kpi-connections', 'kpi-failed', 'kpi-normal', 'terrapin']) {
    const e = document.getElementById(id);
    if (e) out.numbers[id] = Number(e.dataset.n);
  }
  for (const tr of document.querySelectorAll('#verdicts tr[data-verdict]'))
    out.verdicts[tr.dataset.verdict] = Number(tr.dataset.n);
  return JSON.stringify(out);
})()
"""


class Cdp:
    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=60)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == my:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            for m in self.events:
                if m.get("method") == name:
                    return m
            self.events.append(json.loads(self.ws.recv()))
        raise RuntimeError("no %s within %d s" % (name, timeout))


def start_chromium(chromium, profile):
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start;
    # the page is our own file, opened offline.
    args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
            "--remote-debugging-port=0", "--user-data-dir=" + profile,
            "--window-size=1200,900", "about:blank"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = os.path.join(profile, "DevToolsActivePort")
    end = time.time() + 60
    while time.time() < end:
        if os.path.exists(port_file):
            lines = open(port_file).read().split("\n")
            if len(lines) >= 2 and lines[0]:
                return proc, int(lines[0])
        if proc.poll() is not None:
            raise RuntimeError("chromium exited with status %d" % proc.returncode)
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("chromium did not open its DevTools port")


def page_ws(port):
    import urllib.request
    for _ in range(100):
        tabs = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json" % port))
        for t in tabs:
            if t.get("type") == "page":
                return t["webSocketDebuggerUrl"]
        time.sleep(0.1)
    raise RuntimeError("no page target")


def ndjson_numbers(path):
    """The last capture_stats and the number of ssh_teardown events; "-"
    reads standard input (a large run's events are streamed, not kept; the
    page is written before the program closes its output)."""
    stats, teardowns = None, 0
    with (sys.stdin if path == "-" else open(path)) as f:
        for line in f:
            e = json.loads(line)
            if e["event_type"] == "capture_stats":
                stats = e
            elif e["event_type"] == "ssh_teardown":
                teardowns += 1
    return stats, teardowns


def main():
    chromium, page, ndjson, shot = sys.argv[1:5]
    problems = []
    stats, teardowns = ndjson_numbers(ndjson)
    profile = tempfile.mkdtemp(prefix="sm-chromium-")
    proc = None
    try:
        proc, port = start_chromium(chromium, profile)
        cdp = Cdp(page_ws(port))
        cdp.call("Runtime.enable")
        cdp.call("Log.enable")
        cdp.call("Page.enable")
        cdp.call("Page.navigate", url="file://" + os.path.abspath(page))
        cdp.wait_event("Page.loadEventFired")
        res = cdp.call("Runtime.evaluate", expression=PROBE, returnByValue=True)
        probe = json.loads(res["result"]["value"])
        # Full page: the layout's height, then one capture of it.
        m = cdp.call("Page.getLayoutMetrics")
        size = m.get("cssContentSize") or m["contentSize"]
        shotres = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                           clip={"x": 0, "y": 0, "width": size["width"],
                                 "height": min(size["height"], 16000), "scale": 1})
        import base64
        with open(shot, "wb") as f:
            f.write(base64.b64decode(shotres["data"]))
        for m in cdp.events:
            meth = m.get("method")
            if meth == "Runtime.exceptionThrown":
                problems.append("exception: %s" % m["params"]["exceptionDetails"].get("text"))
            elif meth == "Runtime.consoleAPICalled" and m["params"]["type"] in ("error", "assert"):
                problems.append("console %s: %s" % (m["params"]["type"], [
                    a.get("value", a.get("description")) for a in m["params"]["args"]]))
            elif meth == "Log.entryAdded" and m["params"]["entry"]["level"] == "error":
                problems.append("log error: %s" % m["params"]["entry"]["text"])
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(profile, ignore_errors=True)

    for c in probe["charts"]:
        if c["marks"] == 0:
            problems.append("chart %s has no marks" % c["name"])
        for t in c["outside"]:
            problems.append("chart %s: text outside its box: %r" % (c["name"], t))
    for o in probe["overflow"]:
        problems.append("text overflows its box: %r" % o)
    if probe["width"] > probe["viewport"] + 1:
        problems.append("the page is wider (%d) than the window (%d)" %
                        (probe["width"], probe["viewport"]))
    if not probe["charts"]:
        problems.append("no chart on the page")

    if stats is None:
        problems.append("no capture_stats in %s (run with --stats)" % ndjson)
    else:
        want = {v: n for v, n in stats["verdicts"].items() if n}
        if probe["verdicts"] != want:
            problems.append("verdicts on the page %s != NDJSON %s" % (probe["verdicts"], want))
        total = sum(want.values())
        failed = sum(n for v, n in want.items() if v not in ("normal-close", "unfinished"))
        if teardowns != total:
            problems.append("%d ssh_teardown events, %d in capture_stats" % (teardowns, total))
        if probe["numbers"].get("kpi-connections") != total:
            problems.append("connections on the page %s != NDJSON %d" %
                            (probe["numbers"].get("kpi-connections"), total))
        if probe["numbers"].get("kpi-failed") != failed:
            problems.append("failed on the page %s != NDJSON %d" %
                            (probe["numbers"].get("kpi-failed"), failed))
        if probe["numbers"].get("kpi-normal") != want.get("normal-close", 0):
            problems.append("normal-close on the page differs from the NDJSON")
    print("%s: %d charts, %d marks, %d connections on the page; screenshot %s" % (
        os.path.basename(page), len(probe["charts"]), sum(c["marks"] for c in probe["charts"]),
        probe["numbers"].get("kpi-connections", -1), shot))
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
