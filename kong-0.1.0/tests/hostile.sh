#!/bin/bash
# hostile.sh: servers that answer but break HTTP are fail/http and never
# retried; connections that fail are error/net and retried; the script's own
# mistakes are error/script; no hostile answer ever passes. Each case is a
# row of the error-class table in src/http.c (docs/jsonl.md), against the
# byte-exact answers of the test site's /hostile/ and /raw/ routes.
# TAP output; a failure names this file and its line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-hostile.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
# is GOT WANT NAME
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/hostile.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/hostile.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2"
	fi
}

testsite_start || exit 99
U=$TESTSITE_URL
# A port nothing listens on: connection refused.
testsite_start || exit 99
DEAD=$TESTSITE_PORT
testsite_stop

# One site per answer; every test only goes there, so a pass means Kong
# trusted the answer.
cases="ok gzip-ok garbage http09 status000 cl26 cl-junk cl-conflict
cl-chunked short bad-chunk truncated-chunk gzip-short flood-1xx cookie-flood
big-header to-file to-gopher to-bad-url redirect-loop reset-after-headers
reset-now"
{
	printf '[kong]\ntimeout = 1s\nretry_backoff = 10ms\n\n'
	for c in $cases; do
		printf '[site %s]\nurl = %s/hostile/%s\ntags = h\n\n' "$c" "$U" "$c"
	done
	for c in badstatus truncated badchunk badgzip close; do
		printf '[site raw-%s]\nurl = %s/raw/%s\ntags = h\n\n' "$c" "$U" "$c"
	done
	printf '[site refused]\nurl = http://127.0.0.1:%s/\ntags = h\n\n' "$DEAD"
	printf '[site hang]\nurl = %s/hang\ntags = h\n\n' "$U"
	printf '[test home]\ntags = h\nbody = go {{ site.url }}\n'
} > "$tmp/kong.ini"
"$KONG" check -c "$tmp/kong.ini" --log "$tmp/log.jsonl" -q --retries 2 \
    --test home 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || sed 's/^/# /' "$tmp/err"
is "$rc" 1 "a sweep of hostile answers fails"

# row SITE WANT: [status, error_class, attempts] of SITE's record.
row() {
	jq -c --arg s "$1" 'select(.record=="result" and .site==$s) |
	    [.status, .error_class, .attempts]' "$tmp/log.jsonl"
}
is "$(row ok)" '["pass",null,1]' "a well-framed answer passes"
is "$(row gzip-ok)" '["pass",null,1]' \
    "a gzip body is measured against Content-Length before decoding"
for c in garbage http09 status000 raw-badstatus; do
	is "$(row $c)" '["fail","http",1]' "$c: no HTTP status line is fail/http, not script"
done
for c in cl26 cl-junk cl-conflict cl-chunked short truncated-chunk gzip-short \
    raw-truncated; do
	is "$(row $c)" '["fail","http",1]' "$c: untrustworthy framing is fail/http"
done
for c in bad-chunk raw-badchunk; do
	is "$(row $c)" '["fail","http",1]' "$c: a bad chunk size is fail/http, not retried"
done
for c in flood-1xx cookie-flood big-header; do
	is "$(row $c)" '["fail","http",1]' "$c: headers past libcurl's limits are fail/http, not retried"
done
for c in to-file to-gopher to-bad-url; do
	is "$(row $c)" '["fail","http",1]' "$c: a redirect Kong cannot follow is the server's fault"
done
is "$(row redirect-loop)" '["fail","http",1]' "too many redirects is fail/http"
is "$(row raw-badgzip)" '["fail","http",1]' "a broken Content-Encoding is fail/http"
for c in reset-after-headers reset-now raw-close refused; do
	is "$(row $c)" '["error","net",3]' "$c: a failed connection is error/net and retried"
done
is "$(row hang)" '["timeout","timeout",3]' "a server that never answers times out, retried"
is "$(jq -r 'select(.record=="result" and .status=="pass") | .site' "$tmp/log.jsonl" | sort | paste -sd, -)" \
    "gzip-ok,ok" "no hostile answer passes"

# The message says what was wrong with the framing.
msg() {
	jq -r --arg s "$1" 'select(.record=="result" and .site==$s) |
	    .error.message' "$tmp/log.jsonl"
}
case $(msg cl26) in
*"Content-Length (26 digits) is too large"*) is ok ok "cl26 says the length overflows" ;;
*) is "$(msg cl26)" "...Content-Length (26 digits) is too large" "cl26 says the length overflows" ;;
esac
case $(msg cl-conflict) in
*"two different Content-Length headers (18 and 20)"*) is ok ok "cl-conflict names both lengths" ;;
*) is "$(msg cl-conflict)" "...two different Content-Length headers (18 and 20)" "cl-conflict names both lengths" ;;
esac
case $(msg cl-chunked) in
*"both Content-Length and Transfer-Encoding"*) is ok ok "cl-chunked says why" ;;
*) is "$(msg cl-chunked)" "...both Content-Length and Transfer-Encoding" "cl-chunked says why" ;;
esac

# The script's own mistakes are error/script, not retried, even after a
# page was fetched on the same handle.
cat > "$tmp/script.ini" <<INI
[kong]
retry_backoff = 10ms
[site s]
url = $U/hostile/ok
[test ftp]
sites = s
body = go {{ site.url }}
       go ftp://127.0.0.1:$DEAD/x
[test badurl]
sites = s
body = go http://[::1/x
INI
"$KONG" check -c "$tmp/script.ini" --log "$tmp/script.jsonl" -q --retries 2 2>/dev/null
is "$(jq -c 'select(.record=="result") | [.test, .status, .error_class, .attempts]' "$tmp/script.jsonl" | sort | paste -sd' ' -)" \
    '["badurl","error","script",1] ["ftp","error","script",1]' \
    "a scheme or URL the script got wrong is error/script"

echo "1..$n"
