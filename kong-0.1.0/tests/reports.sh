#!/bin/bash
# reports.sh: every report format from a real sweep of the test site with
# passes, failures, errors, a timeout, a skip and per-server pairs, written
# live (kong check --report) and from the log (kong report): JUnit valid
# against tests/junit.xsd with unique (classname, name), TAP read by prove,
# HTML that escapes a hostile site name and message, Markdown, and the
# summary. TAP output; a failure names this line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-reports.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
# is GOT WANT NAME
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/reports.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/reports.sh:${BASH_LINENO[0]}: $3"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed 's/^/# /' | head -30
	fi
}
# like GOT ERE NAME
like() {
	n=$((n + 1))
	if [[ $1 =~ $2 ]]; then
		echo "ok $n - tests/reports.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/reports.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: /%s/\n' "$1" "$2" | head -20
	fi
}
kong() { $KONG_WRAPPER "$KONG" "$@"; }
for tool in xmllint prove python3 jq; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP no $tool"; exit 0; }
done

testsite_start || exit 99
P=$TESTSITE_PORT
testsite_start --listen 127.0.0.2:0 --label alpha --vhost multi.test || exit 99
MP=$TESTSITE_PORT
testsite_start --listen 127.0.0.3:$MP --label beta \
    --vhost multi.test:status=500 || { echo "1..0 # SKIP 127.0.0.3:$MP is taken"; exit 0; }
# A port nothing listens on: bound, then closed.
C=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
inv=$tmp/kong.ini
cat > "$inv" <<INI
[kong]
concurrency = 4
timeout = 1s
resolve = multi.test:$MP:127.0.0.2
[type web]
[type api]
[server alpha]
address = 127.0.0.2
[server beta]
address = 127.0.0.3
[site shop]
url = http://127.0.0.1:$P/
type = web
[site down]
url = http://127.0.0.1:$C/
type = api
[site slow]
url = http://127.0.0.1:$P/slow?ms=3000
type = web
[site old]
url = http://127.0.0.1:$P/
type = web
live = no
[site multi]
url = http://multi.test:$MP/
type = web
servers = alpha, beta
[test home]
sites = shop, down, slow, old
body =
    go {{ site.url }}
    code 200
[test checkout]
sites = shop
body =
    go {{ site.url }}status/500
    code 200
[test xss]
sites = shop
body =
    go {{ site.url }}
    echo "<b>output & 'stuff'</b>"
    find "<script>alert('x')</script>"
[test whoami]
sites = multi
body =
    go {{ site.url }}whoami
    find "^{{ server.name|default:"alpha" }}$" m
    go {{ site.url }}
    code 200
INI
log=$tmp/kong.jsonl
kong check -c "$inv" --log "$log" -q --per-server \
    --report junit="$tmp/live.xml" --report tap="$tmp/live.tap" \
    --report html="$tmp/live.html" --report markdown="$tmp/live.md" \
    --report summary="$tmp/live.sum"
is "$?" 1 "the sweep fails"
is "$(jq -r 'select(.record=="result") | "\(.site)/\(.test)/\(.server)=\(.status)"' "$log" | sort | paste -sd, -)" \
    "down/home/null=error,multi/whoami/alpha=pass,multi/whoami/beta=fail,old/home/null=skipped,shop/checkout/null=fail,shop/home/null=pass,shop/xss/null=fail,slow/home/null=timeout" \
    "the sweep has passes, failures, an error, a timeout, a skip and per-server pairs"
run1=$(jq -r 'select(.record=="run_start") | .run' "$log")

# --- from the log: the same reports ----------------------------------------
for f in junit:live.xml tap:live.tap html:live.html markdown:live.md; do
	kong report "${f%%:*}" "$log" -o "$tmp/log.${f%%:*}"
	is "$?" 0 "kong report ${f%%:*} writes the report"
	is "$(cmp "$tmp/log.${f%%:*}" "$tmp/${f#*:}" 2>&1)" "" \
	    "kong report ${f%%:*} of the log is the report written live"
done
kong report summary "$log" > "$tmp/log.sum"
is "$(sort "$tmp/log.sum")" "$(sort "$tmp/live.sum")" \
    "the summary read back from the log has the lines of the live one"
like "$(head -2 "$tmp/log.sum" | paste -sd'|' -)" \
    "^kong check: 7 checks in [0-9.]+s .*\|  2 pass 3 fail 1 error 1 timeout 1 skipped$" \
    "and its counts"

# --- JUnit -----------------------------------------------------------------
xml=$tmp/live.xml
is "$(xmllint --noout --schema "$top_srcdir/tests/junit.xsd" "$xml" 2>&1)" \
    "$xml validates" "the JUnit file is valid against the JUnit schema"
junit() {
	python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print("totals", *(root.get(k) for k in ("tests", "failures", "errors", "skipped")))
seen = set()
for suite in root.findall("testsuite"):
	cases = suite.findall("testcase")
	print("suite", suite.get("name"), len(cases), suite.get("failures"),
	    suite.get("errors"), suite.get("skipped"))
	for c in cases:
		key = (c.get("classname"), c.get("name"))
		if key in seen:
			print("DUPLICATE", *key)
		seen.add(key)
		kind = [e.tag for e in c if e.tag != "system-out"]
		p = c.find("failure") if c.find("failure") is not None else c.find("error")
		print("case", c.get("classname"), "|" + c.get("name") + "|",
		    ",".join(kind) or "pass", p.get("type") if p is not None else "-")
PY
}
out=$(junit)
is "$(printf '%s\n' "$out" | grep -c DUPLICATE)" 0 "every (classname, name) is unique"
is "$(printf '%s\n' "$out" | sed -n 1p)" "totals 8 3 2 1" \
    "8 cases: 3 failures, 2 errors (network, timeout), 1 skipped"
is "$(printf '%s\n' "$out" | grep '^suite' | sort | paste -sd, -)" \
    "suite down 1 0 1 0,suite multi 2 1 0 0,suite old 1 0 0 1,suite shop 3 2 0 0,suite slow 1 0 1 0" \
    "one testsuite per site with its counts"
is "$(printf '%s\n' "$out" | grep '^case' | sort | paste -sd, -)" \
    "case kong.api.down |home| error net,case kong.web.multi |whoami @ alpha| pass -,case kong.web.multi |whoami @ beta| failure assert,case kong.web.old |home| skipped -,case kong.web.shop |checkout| failure assert,case kong.web.shop |home| pass -,case kong.web.shop |xss| failure assert,case kong.web.slow |home| error timeout" \
    "classname kong.TYPE.SITE, name TEST (@ SERVER), failure/error/skipped by class"
like "$(grep -A3 '<failure message="code is 500' "$xml" | paste -sd'|' -)" \
    "fail at kong.ini:[0-9]+\|command: code 200\|message: code is 500 != 200" \
    "a failure carries its place, the failing command and the message"
like "$(grep '<system-out>' "$xml")" "&lt;b&gt;output &amp; &apos;stuff&apos;&lt;/b&gt;" \
    "system-out carries the output, escaped"
# Dots in a site name would move Jenkins' package/class split.
jq -c 'if .site == "shop" then .site = "shop.example.com" else . end' "$log" > "$tmp/dots.jsonl"
kong report junit "$tmp/dots.jsonl" -o "$tmp/dots.xml"
is "$(grep -o 'classname="kong[^"]*shop[^"]*"' "$tmp/dots.xml" | sort -u)" \
    'classname="kong.web.shop_example_com"' "dots inside a site name do not split the classname"
# Output is capped per case.
jq -c 'if .test == "xss" then .output = ("x" * 200000) else . end' "$log" > "$tmp/big.jsonl"
kong report junit "$tmp/big.jsonl" -o "$tmp/big.xml"
is "$(xmllint --noout --schema "$top_srcdir/tests/junit.xsd" "$tmp/big.xml" 2>&1)" \
    "$tmp/big.xml validates" "a report with a huge output is still valid"
is "$(grep -c '\[output truncated\]' "$tmp/big.xml") $(($(wc -c < "$tmp/big.xml") < 100000))" "1 1" \
    "and the output is capped"

# --- TAP 14 ----------------------------------------------------------------
tap=$tmp/live.tap
is "$(sed -n '1,2p' "$tap" | paste -sd'|' -)" "TAP version 14|1..8" "the version line, then the plan"
# This prove (Test::Harness 3.44) only knows TAP up to 13; a TAP 14 stream
# without subtests is a TAP 13 one, so it reads it with that version line.
sed '1s/^TAP version 14$/TAP version 13/' "$tap" > "$tmp/13.tap"
prove --exec cat "$tmp/13.tap" > "$tmp/prove.out" 2>&1
is "$?" 1 "prove reads the report and fails it"
like "$(cat "$tmp/prove.out")" "Tests: 8 Failed: 5\)" "prove counts 8 test points, 5 failed"
is "$(grep -c 'Parse errors' "$tmp/prove.out")" 0 "prove finds no parse error"
is "$(grep -c '^ok .* # SKIP' "$tap")" 1 "the skipped pair is a SKIP"
# The YAML diagnostics, as TAP::Parser reads them.
is "$(perl -MTAP::Parser -e '
	my $p = TAP::Parser->new({ source => $ARGV[0] });
	my $last;
	while (my $r = $p->next) {
		$last = $r->description if $r->is_test;
		print "$last: $r->{data}{severity} $r->{data}{class} $r->{data}{message}\n"
		    if $r->is_yaml;
	}' "$tmp/13.tap" | sort | sed "s/$P/P/g; s/$C/C/g; s/after [0-9]* ms/after N ms/; s/after [0-9]* milliseconds/after N milliseconds/")" \
"- down home: error net cannot go to 'http://127.0.0.1:C/': Failed to connect to 127.0.0.1 port C after N ms: Couldn't connect to server
- multi whoami @ beta: fail assert code is 500 != 200
- shop checkout: fail assert code is 500 != 200
- shop xss: fail assert no match to '<script>alert('x')</script>'
- slow home: timeout timeout cannot go to 'http://127.0.0.1:P/slow?ms=3000': Operation timed out after N milliseconds with 0 bytes received" \
    "each failure has YAML diagnostics that a TAP parser reads back"
jq -c 'if .test == "xss" then .test = "x#1\\y" else . end' "$log" > "$tmp/hash.jsonl"
kong report tap "$tmp/hash.jsonl" | sed '1s/14/13/' > "$tmp/hash.tap"
is "$(perl -MTAP::Parser -e '
	my $p = TAP::Parser->new({ source => $ARGV[0] });
	while (my $r = $p->next) { print $r->description, "|", ($r->has_skip ? "skip" : ""), "\n" if $r->is_test && $r->description =~ /x/ }' "$tmp/hash.tap")" \
    '- shop x\#1\\y|' "'#' and '\\' in a description are escaped, not a directive"

# --- HTML ------------------------------------------------------------------
html=$tmp/live.html
is "$(grep -ciE '<script|<link|src=|href="https?:' "$html" | tr -d ' ')" 0 \
    "the page loads nothing and runs nothing"
like "$(cat "$html")" "no match to &#39;&lt;script&gt;alert\(&#39;x&#39;\)&lt;/script&gt;&#39;" \
    "a hostile message is escaped"
jq -c 'if .site == "shop" then .site = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>" else . end' "$log" > "$tmp/xss.jsonl"
kong report html "$tmp/xss.jsonl" -o "$tmp/xss.html"
is "$(grep -ciE '<script|<img' "$tmp/xss.html" | tr -d ' ')" 0 "a hostile site name cannot inject markup"
like "$(cat "$tmp/xss.html")" "&lt;script&gt;alert\(1\)&lt;/script&gt;&quot;&gt;&lt;img src=x" "it is shown, escaped"
is "$(xmllint --html --noout "$tmp/xss.html" 2>&1)" "" "the page is well-formed HTML"
is "$(grep -c '<tr><td>' "$html")" $((1 + 4 + 4 + 5 + 8)) \
    "the counts, failures by test (4) and site (4), every failure, every pair"

# --- Markdown --------------------------------------------------------------
md=$tmp/live.md
like "$(sed -n 3p "$md")" '^\*\*8\*\* checks in [0-9.]+ s: \*\*2\*\* passed, \*\*3\*\* failed, 1 errors, 1 timeouts, 1 skipped' \
    "one line of counts"
is "$(grep -c '^| ' "$md")" 6 "a table of the 5 failures"
like "$(grep xss "$md")" "no match to '&lt;script&gt;alert\\\\\('x'\\\\\)&lt;/script&gt;'" \
    "markup in a message is escaped"

# --- runs, errors ------------------------------------------------------------
kong check -c "$inv" --log "$log" -q --test home --report tap="$tmp/second.tap"
is "$?" 1 "a second sweep, of one test"
is "$(kong report tap "$log" | sed -n 2p)" "1..4" "the last run by default"
is "$(kong report tap "$log" --run last | sed -n 2p)" "1..4" "--run last"
is "$(kong report tap "$log" --run "$run1" | sed -n 2p)" "1..8" "--run ID: an earlier run"
kong report tap "$log" --run nosuchrun > /dev/null 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "2 kong report: $log: no run 'nosuchrun' in this log" "an unknown run id"
kong report yaml "$log" > /dev/null 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "2 kong report: unknown report format 'yaml' (formats: junit, tap, html, markdown, summary)" \
    "an unknown format"
kong report tap "$tmp/nonexistent.jsonl" > /dev/null 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "2 kong report: $tmp/nonexistent.jsonl: No such file or directory" "a missing log"
kong report tap "$log" -o "$tmp/nodir/x.tap" 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "3 kong report: $tmp/nodir/x.tap: No such file or directory" "an unwritable report"
if [ -w /dev/full ]; then
	kong report html "$log" -o /dev/full 2> "$tmp/err"
	is "$? $(cat "$tmp/err")" "3 kong report: cannot write /dev/full" "a full disk is exit 3"
fi
lines=$(wc -l < "$log")
kong check -c "$inv" --log "$log" -q --report junit="$tmp/nodir/x.xml" 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "2 kong check: --report: $tmp/nodir/x.xml: No such file or directory" \
    "kong check --report to a path that cannot be written: exit 2"
is "$(wc -l < "$log")" "$lines" "and nothing ran"
kong check -c "$inv" --log "$log" -q --report junit 2> "$tmp/err"
is "$? $(head -1 "$tmp/err")" "2 kong check: --report takes FORMAT=FILE, such as junit=kong.xml, not 'junit'" \
    "--report without a file"
# A log whose writer was killed mid-line (in run_end, then in a result):
# the whole records still report.
head -c -20 "$log" > "$tmp/torn.jsonl"
is "$(kong report tap "$tmp/torn.jsonl" | grep -c '^\(not \)\?ok')" 4 "a torn run_end is left out"
head -n -1 "$log" | head -c -20 > "$tmp/torn.jsonl"
is "$(kong report tap "$tmp/torn.jsonl" | grep -c '^\(not \)\?ok')" 3 "a torn result is left out"
: > "$tmp/empty.jsonl"
kong report junit "$tmp/empty.jsonl" > /dev/null 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "2 kong report: $tmp/empty.jsonl: no run in this log" "an empty log"
is "$(kong report markdown - < "$log" | sed -n 1p)" \
    "### Kong: checks failing" "the log can come from standard input"

# --- --save-failures --------------------------------------------------------
save=$tmp/saved
kong check -c "$inv" --log "$tmp/save.jsonl" -q --per-server --save-failures "$save" \
    --report junit="$tmp/save.xml" --report html="$tmp/save.html"
is "$?" 1 "a sweep with --save-failures"
srun=$(jq -r 'select(.record=="run_start") | .run' "$tmp/save.jsonl")
is "$(cd "$save/$srun" && find . -name failure.txt | sed 's|^\./||; s|/failure.txt$||' | sort | paste -sd, -)" \
    "$(jq -r 'select(.record=="result" and (.status|test("fail|error|timeout"))) | "\(.site)\(if .server then "@" + .server else "" end)/\(.test)"' "$tmp/save.jsonl" | sort | paste -sd, -)" \
    "one directory per failing pair: RUN/SITE[@SERVER]/TEST"
d=$save/$srun/multi@beta/whoami
is "$(sed -n '1,2p' "$d/response.txt" | tr -d '\r' | paste -sd'|' -)" \
    "# 500 http://multi.test:$MP/|HTTP/1.1 500 Internal Server Error" "the failing response: status, then headers"
like "$(cat "$d/response.txt")" "X-Testsite-Label: beta" "with the headers of the server that failed"
like "$(cat "$d/response.txt")" "failing on purpose \\(status=500\\)" "and the body"
is "$(cat "$d/script.twill")" "$(kong render -c "$inv" multi whoami --server beta)" \
    "the script, rendered as it ran on that server"
like "$(cat "$d/failure.txt")" "^status: fail.class: assert.where: [^ ]*/kong.ini:[0-9]+.command: code 200.message: code is 500 != 200" \
    "and why it failed"
is "$(cat "$save/$srun/down/home/response.txt")" "# no response was received" \
    "a pair that got no response says so"
is "$(xmllint --noout --schema "$top_srcdir/tests/junit.xsd" "$tmp/save.xml" 2>&1)" \
    "$tmp/save.xml validates" "the JUnit report with attachments is valid"
is "$(grep -c "^\[\[ATTACHMENT|$save/$srun/[^]]*\]\]" "$tmp/save.xml")" 5 \
    "JUnit links every failing case's files as [[ATTACHMENT|dir]]"
is "$(grep -o "href=\"$save/$srun/[^\"]*\"" "$tmp/save.html" | wc -l | tr -d ' ')" 5 \
    "the HTML report links them too"
: > "$tmp/file"
kong check -c "$inv" --log "$tmp/save2.jsonl" -q --save-failures "$tmp/file/x" 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "2 kong check: --save-failures: $tmp/file/x: Not a directory" \
    "a directory that cannot be made: exit 2"

echo "1..$n"
