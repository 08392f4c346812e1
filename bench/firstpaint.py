#!/usr/bin/python3
# firstpaint.py: when headless chromium first paints a page, apart from its
# own start-up.
#
#   bench/firstpaint.py [-n RUNS] URL...
#
# One chromium (headless, no sandbox) is started once and driven over the
# DevTools protocol on a pipe (--remote-debugging-pipe: file descriptors 3
# and 4, NUL-terminated JSON messages), so the browser's start-up is not in
# the figures. Each URL is loaded RUNS times in a fresh tab; for each load
# the page's lifecycle events give, from the navigation's start ("init"):
# the first contentful paint, DOMContentLoaded and load. Prints the median
# and the range of each, per URL, in milliseconds.
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("-n", type=int, default=5)
ap.add_argument("urls", nargs="+")
a = ap.parse_args()

to_child_r, to_child_w = os.pipe()
from_child_r, from_child_w = os.pipe()
os.set_inheritable(to_child_r, True)
os.set_inheritable(from_child_w, True)
# The child reads commands on fd 3 and writes answers on fd 4.
proc = subprocess.Popen(
    ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
     "--hide-scrollbars", "--remote-debugging-pipe", "--no-first-run",
     "--user-data-dir=/tmp/kong-firstpaint-profile", "about:blank"],
    pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    preexec_fn=lambda: (os.dup2(to_child_r, 3), os.dup2(from_child_w, 4)))
os.close(to_child_r)
os.close(from_child_w)
out = os.fdopen(to_child_w, "wb", buffering=0)
inp = os.fdopen(from_child_r, "rb", buffering=0)
buf = b""
next_id = 0


def send(method, params=None, session=None):
    global next_id
    next_id += 1
    msg = {"id": next_id, "method": method, "params": params or {}}
    if session:
        msg["sessionId"] = session
    out.write(json.dumps(msg).encode() + b"\0")
    return next_id


def read():
    global buf
    while b"\0" not in buf:
        chunk = inp.read(65536)
        if not chunk:
            sys.exit("firstpaint.py: chromium went away")
        buf += chunk
    msg, buf = buf.split(b"\0", 1)
    return json.loads(msg)


def call(method, params=None, session=None):
    want = send(method, params, session)
    while True:
        m = read()
        if m.get("id") == want:
            if "error" in m:
                sys.exit("firstpaint.py: %s: %s" % (method, m["error"]))
            return m.get("result", {})


def load(url):
    target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = call("Target.attachToTarget", {"targetId": target,
                                             "flatten": True})["sessionId"]
    call("Page.enable", session=session)
    call("Page.setLifecycleEventsEnabled", {"enabled": True}, session=session)
    frame = call("Page.navigate", {"url": url}, session=session)["frameId"]
    seen = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        m = read()
        if m.get("method") != "Page.lifecycleEvent":
            continue
        p = m["params"]
        if p["frameId"] != frame:
            continue
        if p["name"] == "init":
            seen = {}       # the navigation to url (about:blank is done)
        seen.setdefault(p["name"], p["timestamp"])
        if "init" in seen and "load" in seen and \
                "firstContentfulPaint" in seen:
            break
    call("Target.closeTarget", {"targetId": target})
    if "init" not in seen:
        sys.exit("firstpaint.py: %s: no navigation seen" % url)
    t0 = seen["init"]
    return {k: (seen[k] - t0) * 1000 for k in
            ("firstContentfulPaint", "DOMContentLoaded", "load") if k in seen}


try:
    for url in a.urls:
        load(url)           # once to warm the browser's caches of code
        runs = [load(url) for _ in range(a.n)]
        parts = []
        for key, name in (("firstContentfulPaint", "first paint"),
                          ("DOMContentLoaded", "DOMContentLoaded"),
                          ("load", "load")):
            v = [r[key] for r in runs if key in r]
            if v:
                parts.append("%s %.0f ms (%.0f-%.0f)" % (
                    name, statistics.median(v), min(v), max(v)))
        print("%s: %s" % (url, ", ".join(parts)))
finally:
    proc.terminate()
    proc.wait()
