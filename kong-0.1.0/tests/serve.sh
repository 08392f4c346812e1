#!/bin/bash
# serve.sh: kong serve and kong html end to end: a real kong serve on a
# free loopback port after sweeping the test site; pages, API, badges and
# metrics checked with curl; an XSS corpus in site names, tests, URLs,
# messages and outputs never yields a live element; malformed and slow
# clients; authentication; run now; kong html's files and links; headless
# chromium loads the board, a pair page and the wallboard. TAP output.
# With KONG_SCREENSHOT=FILE the board's screenshot is copied there
# (docs/dashboard.png is made so).
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-serve.XXXXXX")
SERVE_PIDS=
cleanup() {
	for p in $SERVE_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	testsite_stop_all
	rm -rf "$tmp"
}
trap cleanup EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - tests/serve.sh:${BASH_LINENO[0]}: $*"; }
notok() { n=$((n + 1)); echo "not ok $n - tests/serve.sh:${BASH_LINENO[0]}: $*"; }
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/serve.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/serve.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2"
	fi
}
# has FILE REGEX NAME
has() {
	n=$((n + 1))
	if grep -qE -- "$2" "$1"; then
		echo "ok $n - tests/serve.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/serve.sh:${BASH_LINENO[0]}: $3"
		echo "# no match for: $2"; head -c 600 "$1" | sed 's/^/# /'; echo
	fi
}

# Start kong serve ARGS...; sets URL (and SERVE_PID). Returns 1 on failure.
serve_start() {
	# Removed first: the background job's redirection may come after the
	# first read below, which must not see the last server's address.
	rm -f "$tmp/serve.out"
	URL=
	"$KONG" serve "$@" > "$tmp/serve.out" 2> "$tmp/serve.err" &
	SERVE_PID=$!
	SERVE_PIDS="$SERVE_PIDS $SERVE_PID"
	for _i in $(seq 100); do
		URL=$(sed -n 's/^kong serve: listening on \(http[^ ]*\)$/\1/p' "$tmp/serve.out" 2>/dev/null)
		URL=${URL%/}
		[ -n "$URL" ] && return 0
		kill -0 $SERVE_PID 2>/dev/null || break
		sleep 0.05
	done
	cat "$tmp/serve.err" >&2
	return 1
}
serve_stop() { kill "$SERVE_PID"; wait "$SERVE_PID"; }
get() { curl -s -o "$tmp/body" -D "$tmp/head" -w '%{http_code}' "$@"; }

# The structure of an HTML page: no script, no event handler, no
# javascript: URL, no element a payload could have made. Prints what it
# found wrong, nothing when the page is clean.
cat > "$tmp/htmlcheck.py" <<'PY'
import sys
from html.parser import HTMLParser
allowed = {"html", "head", "meta", "title", "link", "body", "header", "nav",
           "a", "main", "h1", "h2", "h3", "p", "section", "table", "thead",
           "tbody", "tr", "th", "td", "span", "time", "svg", "polyline",
           "rect", "circle", "text", "g", "form", "label", "select",
           "option", "input", "button", "ul", "li", "dl", "dt", "dd",
           "code", "ol", "pre", "figure", "figcaption", "div", "footer",
           "img"}
class C(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad = []
    def handle_starttag(self, tag, attrs):
        if tag not in allowed:
            self.bad.append("element <%s>" % tag)
        for k, v in attrs:
            if k.startswith("on"):
                self.bad.append("handler %s on <%s>" % (k, tag))
            if k in ("href", "src", "action") and v and \
                    v.strip().lower().startswith(("javascript:", "data:", "//", "http")):
                self.bad.append("%s=%s on <%s>" % (k, v, tag))
            if tag == "img" and k == "src" and "badge" not in (v or ""):
                self.bad.append("img src=%s" % v)
            if k == "style":
                self.bad.append("style attribute on <%s>" % tag)
bad = []
for f in sys.argv[1:]:
    c = C()
    c.feed(open(f, encoding="utf-8").read())
    bad += ["%s: %s" % (f, b) for b in c.bad]
print("\n".join(bad[:10]))
PY
htmlcheck() { python3 "$tmp/htmlcheck.py" "$@"; }

# --- a fleet, swept -----------------------------------------------------------
testsite_start --vhost shop.test --vhost blog.test --vhost down.test:status=503 || exit 99
P=$TESTSITE_PORT
inv=$tmp/fleet
mkdir -p "$inv"
cat > "$inv/kong.ini" <<INI
[kong]
concurrency = 4
timeout = 5s
resolve = shop.test:$P:127.0.0.1, blog.test:$P:127.0.0.1, down.test:$P:127.0.0.1

[server web1]
address = 127.0.0.1

[type web]
headline = <img src=x onerror=alert(1)>

[site shop]
url = http://shop.test:$P/
type = web
tags = prod
servers = web1

[site blog]
url = http://blog.test:$P/
type = web

[site down]
url = http://down.test:$P/
type = web

[test home]
types = web
body =
    go {{ site.url }}
    code 200
    echo "<script>alert('out')</script>"

[test xss]
sites = blog
body =
    go {{ site.url }}
    find "{{ type.headline }}"
INI
"$KONG" check -c "$inv" -q
"$KONG" check -c "$inv" -q
is "$?" 1 "the fleet was swept (some checks fail)"

# The XSS corpus: a log whose names, URLs, messages and outputs are payloads.
python3 - "$tmp/xss.jsonl" <<'PY'
import json, sys, time
payloads = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>',
            "'><svg onload=alert(3)>", 'javascript:alert(4)',
            '</title><script>alert(5)</script>', '<iframe src=//evil>',
            '{{7*7}}<b onmouseover=alert(6)>b</b>', '%3Cscript%3E', '\\"\n<x>']
now = time.time()
def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".000000Z"
with open(sys.argv[1], "w") as f:
    for k in range(2):
        run = "xss-run-%d-<b>" % k
        t = now - 3600 + k * 600
        f.write(json.dumps({"schema": 1, "record": "run_start", "run": run,
                            "time": iso(t), "inventory": "<i>inv</i>",
                            "pairs": len(payloads), "host": "<u>host</u>"}) + "\n")
        for i, p in enumerate(payloads):
            f.write(json.dumps({"schema": 1, "record": "result", "run": run,
                "start": iso(t + i), "site": "x" + p, "url": p,
                "type": p, "test": p, "server": p if i % 2 else None,
                "status": "fail", "error_class": "assert",
                "duration_us": 1000 + i, "attempts": 1,
                "error": {"file": p, "line": 1, "command": p, "message": p},
                "output": p, "output_truncated": False,
                "steps": [{"command": p, "line": 1, "method": "GET", "url": p,
                           "code": 200, "bytes": 1, "redirects": 0,
                           "dns_us": 1, "connect_us": 1, "tls_us": 0,
                           "first_byte_us": 1, "total_us": 1, "error": p}]}) + "\n")
        f.write(json.dumps({"schema": 1, "record": "run_end", "run": run,
                            "time": iso(t + 30), "duration_us": 30000000,
                            "totals": {"pairs": len(payloads), "fail": len(payloads)},
                            "exit_status": 1, "interrupted": False}) + "\n")
PY
"$KONG" store -c "$inv" -q ingest "$tmp/xss.jsonl"
is "$?" 0 "the XSS corpus is ingested"
# A generated history for the charts and the screenshot.
python3 "$top_srcdir/bench/genlog" --seed 7 24 3 3 30 > "$tmp/gen.jsonl"
"$KONG" store -c "$inv" -q ingest "$tmp/gen.jsonl"

# --- pages, API, badges, metrics ------------------------------------------------
serve_start -c "$inv" --listen 127.0.0.1:0 || { notok "kong serve did not start"; echo "1..$n"; exit 1; }
ok "kong serve listens on a free loopback port ($URL)"
is "$(get "$URL")" 200 "the board answers"
has "$tmp/head" "^Content-Security-Policy: default-src 'none'" "with a Content-Security-Policy"
has "$tmp/head" "^X-Content-Type-Options: nosniff" "and nosniff"
has "$tmp/body" '<h2>Failing</h2><table' "the board lists failing pairs first"
has "$tmp/body" 'href="/sites/down/home"' "with a link to each failing pair"
has "$tmp/body" '<a href="/sites/shop">shop</a> <a class="chip ok"' "an all-green site is one compact line"
has "$tmp/body" 'Last sweep [0-9]+ s ago' "the age of the last sweep"
is "$(grep -o '<svg class="spark"' "$tmp/body" | wc -l | tr -d ' ')" \
    "$(grep -o '<tr class="[a-z]*"' "$tmp/body" | grep -v 'class="site"' | wc -l | tr -d ' ')" \
    "a sparkline on every pair row"
cp "$tmp/body" "$tmp/board.html"
is "$(get "$URL?status=failing&type=web")" 200 "the board filters"
if grep -q 'href="/sites/shop/home"' "$tmp/body"; then notok "status=failing shows a passing pair"; else ok "status=failing leaves the passing pairs out"; fi
has "$tmp/body" 'href="/sites/down/home"' "and keeps the failing ones"
is "$(get "$URL?tag=prod")" 200 "a tag filter (from the inventory)"
if grep -q 'sites/down' "$tmp/body"; then notok "tag=prod shows down"; else ok "tag=prod shows only prod sites"; fi
is "$(get "$URL/failed")" 200 "/failed answers"
has "$tmp/body" '<h2>Open incidents</h2><table' "open incidents"
has "$tmp/body" '<td class="num">2</td><td class="msg">code is 503 != 200' "since when and how many runs in a row"
has "$tmp/body" '<h2>Recent failures</h2><table' "recent failures"
is "$(get "$URL/sites/down")" 200 "a site page"
has "$tmp/body" '<dt>url</dt><dd>http://down.test' "with the site from the inventory"
is "$(get "$URL/sites/down/home")" 200 "a pair page"
has "$tmp/body" '<dt>message</dt><dd class="msg">code is 503 != 200' "the latest result's message"
has "$tmp/body" '<table class="steps">' "its steps with phase timings"
has "$tmp/body" '<li class="bad">code 200</li>' "the script as rendered, the failing line marked"
has "$tmp/body" '<figcaption>24 h: p50 and p95' "a duration chart"
is "$(grep -o '<rect x="[0-9]*" y="0" width="11"' "$tmp/body" | wc -l | tr -d ' ')" 2 "a status strip of its two results"
cp "$tmp/body" "$tmp/pair.html"
is "$(get "$URL/sites/shop/home")" 200 "a passing pair page"
has "$tmp/body" '<h3>Output</h3><pre class="output">&lt;script&gt;alert\(&#39;out&#39;\)&lt;/script&gt;' \
    "captured output, escaped"
# Deep history, keyset paginated.
gp=site00003/home
is "$(get "$URL/sites/$gp")" 200 "a generated pair page"
is "$(grep -c '<tr class=' "$tmp/body" | tr -d ' ')" 50 "shows one page of 50 history rows"
next=$(sed -n 's/.*<a rel="next" href="\([^"]*\)".*/\1/p' "$tmp/body")
case $next in "/sites/$gp?before="[0-9]*) ok "with a link to older results ($next)" ;; *) notok "next link: $next" ;; esac
pages=1
while [ -n "$next" ] && [ $pages -lt 20 ]; do
	get "$URL$next" > /dev/null
	pages=$((pages + 1))
	next=$(sed -n 's/.*<a rel="next" href="\([^"]*\)".*/\1/p' "$tmp/body")
done
is "$pages" 3 "144 results are 3 pages (50, 50, 44)"
has "$tmp/body" 'class="history"' "the deepest page still shows its rows"
is "$(get "$URL/runs")" 200 "/runs"
has "$tmp/body" '<td class="num">[0-9]+</td><td class="num">[0-9]+</td><td class="num">[0-9]+</td>' "with counts"
run=$(jq -r 'select(.record=="run_start") | .run' "$inv/kong.jsonl" | tail -1)
is "$(get "$URL/runs/$run")" 200 "/runs/ID"
has "$tmp/body" '<h2>Changed since the run before</h2>' "what changed from the run before"
is "$(get "$URL/types/web")" 200 "/types/TYPE"
has "$tmp/body" 'href="/sites/shop/home"' "lists that type's pairs"
is "$(get "$URL/servers/web1")" 200 "/servers/SERVER"
has "$tmp/body" 'href="/sites/shop/home"' "lists the sites on that server (from the inventory)"
if grep -q 'href="/sites/down' "$tmp/body"; then notok "servers/web1 lists down"; else ok "and not the others"; fi
is "$(get "$URL/dashboard")" 200 "/dashboard, the wallboard"
has "$tmp/body" '<a class="tile bad" href="/sites/down">' "a tile per site, failing first"
has "$tmp/body" '<meta http-equiv="refresh" content="60">' "refreshing itself without script"
is "$(get "$URL/sites/nosuch")" 404 "an unknown site is a 404"
is "$(get "$URL/nosuch/page")" 404 "an unknown page is a 404"
is "$(get "$URL/api/v1/status")" 200 "/api/v1/status"
is "$(jq -r '.pairs[] | select(.site=="down" and .test=="home") | .status + " " + .message + " " + (.failing_streak|tostring)' "$tmp/body")" \
    "fail code is 503 != 200 2" "the latest result per pair, with its streak"
is "$(jq -r '[.pairs[] | select(.site | test("^(shop|blog|down)$"))] | length' "$tmp/body")" 4 "every swept pair"
is "$(get "$URL/api/v1/sites/$gp/history?limit=100")" 200 "pair history API"
is "$(jq '.results | length' "$tmp/body")" 100 "limit is honoured"
nb=$(jq -r .next "$tmp/body")
last=$(jq -r '.results[-1].start_us' "$tmp/body")
is "$nb" "$last" "next is the last start shown"
get "$URL/api/v1/sites/$gp/history?limit=100&before=$nb" > /dev/null
is "$(jq -r '(.results | length|tostring) + " " + (.next|tostring)' "$tmp/body")" "44 null" "the next page ends the history"
is "$(jq -r "[.results[] | .start_us < $nb] | all" "$tmp/body")" true "and is strictly older"
is "$(get "$URL/api/v1/sites/$gp/history?limit=0")" 400 "a bad limit is a 400"
is "$(get "$URL/badge/shop.svg")" 200 "a site badge"
has "$tmp/head" "^Content-Type: image/svg\+xml" "served as SVG"
xmllint --noout "$tmp/body" 2>/dev/null && ok "the badge is well-formed XML" || notok "badge is not XML"
has "$tmp/body" '>pass</text>' "shop passes"
get "$URL/badge/down/home.svg" > /dev/null
has "$tmp/body" '>fail</text>' "a pair badge: down/home fails"
is "$(get "$URL/badge/nosuch.svg")" 404 "an unknown badge is a 404"
is "$(get "$URL/metrics")" 200 "/metrics"
has "$tmp/body" '^kong_check_up\{site="down",test="home",server=""\} 0$' "Prometheus: down/home is down"
has "$tmp/body" '^kong_check_up\{site="shop",test="home",server=""\} 1$' "shop/home is up"
has "$tmp/body" '^# TYPE kong_check_duration_seconds gauge$' "with types"
has "$tmp/body" 'site="x\\"><img src=x onerror=alert\(2\)>"' "label values escaped (quote)"

# --- the XSS corpus never makes an element ----------------------------------------
i=0
: > "$tmp/xss.err"
for path in / /failed /dashboard /runs /types/web; do
	i=$((i + 1)); get "$URL$path" > /dev/null; cp "$tmp/body" "$tmp/x$i.html"
done
for pair in $(jq -r '.pairs[] | select(.site | startswith("x")) | @uri "\(.site)/\(.test)" + (if .server then "?server=" + (.server|@uri) else "" end)' < <(curl -s "$URL/api/v1/status")); do
	i=$((i + 1)); get "$URL/sites/$pair" > /dev/null; cp "$tmp/body" "$tmp/x$i.html"
	i=$((i + 1)); get "$URL/sites/${pair%%/*}" > /dev/null; cp "$tmp/body" "$tmp/x$i.html"
done
for r in $(jq -rn '["xss-run-0-<b>", "xss-run-1-<b>"][] | @uri'); do
	i=$((i + 1)); get "$URL/runs/$r" > /dev/null; cp "$tmp/body" "$tmp/x$i.html"
done
[ $i -ge 20 ] && ok "fetched $i pages carrying the corpus" || notok "only $i pages"
grep -l 'onerror=alert(2)' "$tmp"/x*.html > /dev/null && ok "the payloads are on the pages (as text)" || notok "payloads absent"
is "$(htmlcheck "$tmp"/x*.html "$tmp/board.html" "$tmp/pair.html")" "" "no page has a script, handler, foreign URL or unexpected element"
is "$(cat "$tmp"/x*.html | grep -c '<script\|<iframe\|<svg onload\|<img src=x')" 0 "no payload appears unescaped"
get "$URL/api/v1/status" > /dev/null
jq -e . "$tmp/body" > /dev/null && ok "the API stays valid JSON with the corpus" || notok "API JSON broken"

# --- malformed and slow clients -----------------------------------------------------
port=${URL##*:}; port=${port%/}
python3 - "$port" > "$tmp/raw.out" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def talk(data, wait=2.0):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    try:
        s.sendall(data)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except Exception:
        pass
    s.close()
    return out.split(b"\r\n", 1)[0].decode("latin-1")
print("garbage:", talk(b"\x00\xff\xfe garbage\r\n\r\n"))
print("huge header:", talk(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"))
print("huge body:", talk(b"POST /sites/a/b/run HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"a" * 100000))
print("long uri:", talk(b"GET /" + b"a" * 6000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"))
print("bad method:", talk(b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n"))
# A slow client holds a connection with half a request while others are served.
slow = socket.create_connection(("127.0.0.1", port))
slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
print("while slow:", talk(b"GET /api/v1/status HTTP/1.0\r\n\r\n"))
slow.close()
PY
has "$tmp/raw.out" '^garbage: (HTTP/1.[01] 400.*|)$' "garbage gets a 400 or a closed connection"
has "$tmp/raw.out" '^huge header: (HTTP/1.[01] 4[0-9][0-9].*|)$' "an oversized header block is refused"
has "$tmp/raw.out" '^huge body: (HTTP/1.[01] 413.*|)$' "an oversized body is refused"
has "$tmp/raw.out" '^long uri: HTTP/1.1 414' "an overlong URI is a 414"
has "$tmp/raw.out" '^bad method: HTTP/1.1 (405|501)' "an unknown method is a 405 or 501"
has "$tmp/raw.out" '^while slow: HTTP/1.0 200' "a slow client does not hold up the others"
is "$(get "$URL/")" 200 "the server survived all of it"
serve_stop

# --- who may listen where -----------------------------------------------------------
"$KONG" serve -c "$inv" --listen 0.0.0.0:0 > /dev/null 2> "$tmp/err"; rc=$?
is "$rc" 2 "beyond loopback without --htpasswd or --no-auth is refused"
has "$tmp/err" 'not a loopback address: give --htpasswd FILE, or --no-auth' "and says what to do"
htpasswd -B -b -c "$tmp/htpasswd" alice 's3cret pass' 2> /dev/null
serve_start -c "$inv" --listen 127.0.0.1:0 --htpasswd "$tmp/htpasswd" || notok "serve with htpasswd"
is "$(get "$URL/")" 401 "with --htpasswd, no credentials is a 401"
has "$tmp/head" '^WWW-Authenticate: Basic realm="Kong"' "asking for Basic credentials"
is "$(get -u 'alice:wrong' "$URL/")" 401 "a wrong password is a 401"
is "$(get -u 'bob:s3cret pass' "$URL/")" 401 "an unknown user is a 401"
is "$(get -u 'alice:s3cret pass' "$URL/")" 200 "the right password (bcrypt, crypt(3)) is let in"
is "$(get -u 'alice:s3cret pass' "$URL/metrics")" 200 "again"
serve_stop
printf 'alice:plain\n' > "$tmp/bad.htpasswd"
"$KONG" serve -c "$inv" --htpasswd "$tmp/bad.htpasswd" > /dev/null 2> "$tmp/err"; rc=$?
is "$rc" 2 "an htpasswd file without bcrypt hashes is refused"
has "$tmp/err" 'bad.htpasswd:1: error: not a user:bcrypt-hash line' "naming the line"

# --- run now ------------------------------------------------------------------------
serve_start -c "$inv" --listen 127.0.0.1:0 || notok "serve"
is "$(get -X POST -d csrf=x "$URL/sites/shop/home/run")" 403 "without --allow-run POST is refused"
serve_stop
serve_start -c "$inv" --listen 127.0.0.1:0 --allow-run || notok "serve --allow-run"
get "$URL/sites/shop/home" > /dev/null
token=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$tmp/body")
[ ${#token} -eq 32 ] && ok "the pair page has a Run now form with a token" || notok "token: $token"
before=$(grep -c '"site":"shop","url":"[^"]*","type":"web","test":"home"' "$inv/kong.jsonl")
is "$(get -X POST -d csrf=wrong "$URL/sites/shop/home/run")" 403 "a wrong CSRF token is refused"
is "$(get "$URL/sites/shop/home/run")" 404 "GET never runs anything"
is "$(get -X POST -d "csrf=$token" "$URL/sites/shop/home/run")" 303 "POST with the token starts a run"
has "$tmp/head" '^Location: /sites/shop/home' "and sends the browser back to the pair page"
for _i in $(seq 100); do
	after=$(grep -c '"site":"shop","url":"[^"]*","type":"web","test":"home"' "$inv/kong.jsonl")
	[ "$after" -gt "$before" ] && break
	sleep 0.1
done
is "$after" $((before + 1)) "the result went to the log"
for _i in $(seq 50); do
	got=$(curl -s "$URL/api/v1/sites/shop/home/history" | jq '.results | length')
	[ "$got" -gt 2 ] && break
	sleep 0.1
done
is "$got" 3 "and to the store, where the page shows it"
serve_stop

# --- kong html -------------------------------------------------------------------------
out=$tmp/site
"$KONG" html -c "$inv" --out "$out" > "$tmp/html.out"; rc=$?
is "$rc" 0 "kong html writes the pages"
for f in index.html failed.html dashboard.html runs.html style.css api/v1/status.json \
    sites/down.html sites/down/home.html badge/down/home.svg badge/shop.svg types/web.html \
    servers/web1.html; do
	[ -f "$out/$f" ] || missing="$missing $f"
done
is "${missing:-}" "" "the board, pages, badges and API files are there"
python3 - "$out" > "$tmp/links" <<'PY'
import os, re, sys
root = sys.argv[1]
bad = 0
for d, _, files in os.walk(root):
    for f in files:
        if not f.endswith(".html"):
            continue
        for href in re.findall(r'(?:href|src)="([^"]*)"', open(os.path.join(d, f)).read()):
            target = os.path.normpath(os.path.join(d, href))
            if not os.path.exists(target):
                bad += 1
                if bad < 5:
                    print("%s -> %s" % (os.path.join(d, f), href))
print("broken", bad)
PY
is "$(tail -1 "$tmp/links")" "broken 0" "every relative link and image of every page resolves"
is "$(htmlcheck $(find "$out" -name '*.html'))" "" "the static pages carry no live element either"
jq -e '.pairs | length > 10' "$out/api/v1/status.json" > /dev/null && ok "the static API file is JSON" || notok "static API"

# --- sweeps that stopped -----------------------------------------------------------------
python3 "$top_srcdir/bench/genlog" --now $(( $(date +%s) - 2 * 86400 )) 3 1 1 30 > "$tmp/stale.jsonl"
"$KONG" store --store "$tmp/stale.db" -q ingest "$tmp/stale.jsonl"
serve_start --store "$tmp/stale.db" --listen 127.0.0.1:0 || notok "serve stale.db"
get "$URL/" > /dev/null
has "$tmp/body" '<p class="stale">Stale: the last sweep started 2 d ago, and they came every 30 min' \
    "the board warns when sweeps have stopped"
serve_stop
if grep -q 'class="stale"' "$tmp/board.html"; then notok "a fresh board says stale"; else ok "a fresh board does not"; fi

# --- a real browser -------------------------------------------------------------------
if ! command -v chromium > /dev/null 2>&1; then
	echo "ok $((n + 1)) # SKIP chromium is not installed"; n=$((n + 1))
else
	serve_start -c "$inv" --listen 127.0.0.1:0 || notok "serve"
	chrome() { timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	    --user-data-dir="$tmp/chrome" --window-size=1280,900 "$@" 2> /dev/null; }
	chrome --dump-dom "$URL" > "$tmp/dom-board.html"
	has "$tmp/dom-board.html" '<h2>Failing</h2><table class="pairs">' "chromium renders the board"
	has "$tmp/dom-board.html" '<svg class="spark"' "with its sparklines"
	chrome --dump-dom "$URL/sites/down/home" > "$tmp/dom-pair.html"
	has "$tmp/dom-pair.html" '<figure class="chart">' "chromium renders a pair page with its charts"
	has "$tmp/dom-pair.html" '<li class="bad">code 200</li>' "and its script"
	chrome --dump-dom "$URL/dashboard" > "$tmp/dom-wall.html"
	has "$tmp/dom-wall.html" '<div class="tiles">' "chromium renders the wallboard"
	chrome --dump-dom "$URL/sites/$(jq -rn '"x<script>alert(1)</script>" | @uri')" > "$tmp/dom-xss.html"
	is "$(htmlcheck "$tmp/dom-xss.html" "$tmp/dom-board.html")" "" "the browser's DOM has no live payload"
	serve_stop
	# The screenshot: the fleet and a generated history, without the corpus.
	"$KONG" store --store "$tmp/shot.db" -q ingest "$tmp/gen.jsonl" "$inv/kong.jsonl"
	serve_start --store "$tmp/shot.db" --listen 127.0.0.1:0 || notok "serve shot.db"
	chrome --screenshot="$tmp/board.png" "$URL" > /dev/null
	size=$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]))' "$tmp/board.png" 2>/dev/null)
	is "$size" 1280x900 "a screenshot of the board, 1280x900"
	bytes=$(wc -c < "$tmp/board.png")
	[ "$bytes" -gt 20000 ] && ok "and not blank ($bytes bytes of PNG)" || notok "screenshot only $bytes bytes"
	[ -n "${KONG_SCREENSHOT:-}" ] && cp "$tmp/board.png" "$KONG_SCREENSHOT"
	serve_stop
fi

echo "1..$n"
