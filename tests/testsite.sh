#!/bin/sh
# testsite.sh: check every route of kong-testsite with curl; prints TAP.
#
# Only loopback traffic (127.0.0.1, 127.0.0.2, 127.0.0.3, ::1).

# TAP lines name their source line, but dash (Debian's sh) has no $LINENO.
if [ -z "${LINENO:-}" ] && [ -z "${TESTSITE_SH_REEXEC:-}" ] &&
    command -v bash >/dev/null 2>&1; then
	TESTSITE_SH_REEXEC=1 exec bash "$0" "$@"
fi

: "${top_srcdir:=.}"
. "$top_srcdir/tests/testsite-lib.sh"

LC_ALL=C
export LC_ALL
n=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/testsite-test.XXXXXX") || exit 99
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT

# Report one test: ok LINE DESC FAILURES (empty FAILURES passes).
report() {
	n=$((n + 1))
	if [ -z "$3" ]; then
		echo "ok $n - tests/testsite.sh:${1:-?}: $2"
	else
		echo "not ok $n - tests/testsite.sh:${1:-?}: $2"
		echo "# ${3#; }"
	fi
}

# get [CURL ARGS...]: fetch into $tmp/body and $tmp/head; sets $code, $rc
# and $secs (the time taken).
get() {
	: >"$tmp/body"
	: >"$tmp/head"
	_out=$(curl -s --noproxy '*' -m 5 -o "$tmp/body" -D "$tmp/head" \
	    -w '%{http_code} %{time_total}' "$@")
	rc=$?
	code=${_out%% *}
	secs=${_out#* }
	tr -d '\r' <"$tmp/head" >"$tmp/head.lf"
}

# t LINE DESC CHECK...: test the last get. Checks: code=N, rc=N, size=N,
# body=ERE, nobody=ERE, head=ERE, nohead=ERE (headers case-insensitive).
t() {
	_line=$1
	_desc=$2
	shift 2
	_fail=
	for _c in "$@"; do
		_v=${_c#*=}
		case $_c in
		code=*)
			[ "$code" = "$_v" ] ||
			    _fail="$_fail; status $code, want $_v";;
		rc=*)
			[ "$rc" = "$_v" ] ||
			    _fail="$_fail; curl exit $rc, want $_v";;
		size=*)
			_s=$(wc -c <"$tmp/body" | tr -d ' ')
			[ "$_s" = "$_v" ] ||
			    _fail="$_fail; size $_s, want $_v";;
		body=*)
			grep -Eq -- "$_v" "$tmp/body" ||
			    _fail="$_fail; body lacks /$_v/";;
		nobody=*)
			! grep -Eq -- "$_v" "$tmp/body" ||
			    _fail="$_fail; body has /$_v/";;
		head=*)
			grep -Eiq -- "$_v" "$tmp/head.lf" ||
			    _fail="$_fail; headers lack /$_v/";;
		nohead=*)
			! grep -Eiq -- "$_v" "$tmp/head.lf" ||
			    _fail="$_fail; headers have /$_v/";;
		*)
			_fail="$_fail; unknown check $_c";;
		esac
	done
	report "$_line" "$_desc" "$_fail"
}

# is LINE DESC COMMAND...: a test that passes when COMMAND succeeds.
is() {
	_line=$1
	_desc=$2
	shift 2
	if "$@"; then
		report "$_line" "$_desc" ""
	else
		report "$_line" "$_desc" "failed: $*"
	fi
}

# The number of open files of process $1 (Linux), or "none".
fds() {
	if [ -d "/proc/$1/fd" ]; then
		ls "/proc/$1/fd" | wc -l | tr -d ' '
	else
		echo none
	fi
}

# Whether the number $1 is at least $2 (decimals allowed).
at_least() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}

testsite_start --label main \
    --vhost news.example \
    --vhost broken.example:status=503 \
    --vhost plain.example:nonews,title=Oops \
    --vhost slow.example:slow=200 \
    --vhost down.example:down \
    --vhost locked.example:badlogin \
    --vhost 'cut.example:missing=Most read' || exit 99
u=$TESTSITE_URL
main_pid=$TESTSITE_PID

# ---- Index, echo, headers, whoami ----
get "$u/"
t "$LINENO" "GET / is the index" code=200 body='<h1>Kong test site</h1>' \
    body='href="/forms-basic.html"' head='^X-Testsite-Label: main$' \
    head='^Content-Type: text/html; charset=utf-8$'
get "$u/echo?pre=1&q=a+b%21"
t "$LINENO" "GET /echo shows method, path, query and params" code=200 \
    body='<title>Echo</title>' body='^method: GET$' body='^path: /echo$' \
    body='^query: pre=1&amp;q=a\+b%21$' body='^param: pre=1$' \
    body='^param: q=a b!$'
get -d 'a=1&b=x+y%26z&empty=&a=2' -e http://referer.example/ \
    -b 'c1=v1; c2=v2' "$u/echo"
t "$LINENO" "POST /echo urlencoded: fields in order, referer, cookie" \
    code=200 body='^method: POST$' \
    body='^content-type: application/x-www-form-urlencoded$' \
    body='^field: a=1$' body='^field: b=x y&amp;z$' body='^field: empty=$' \
    body='^field: a=2$' body='^referer: http://referer.example/$' \
    body='^cookie: c1=v1; c2=v2$'
printf 'hello upload\nsecond line\n' >"$tmp/up.txt"
get -F 'title=My file' -F "upload=@$tmp/up.txt;type=text/plain" "$u/echo"
t "$LINENO" "POST /echo multipart: field and file lines" code=200 \
    body='^content-type: multipart/form-data; boundary=' \
    body='^field: title=My file$' \
    body='^file: upload filename=up.txt type=text/plain size=25$' \
    body='^content: hello upload\\nsecond line\\n$'
get -X PUT -H 'Content-Type: application/json' -d '{"k": "<v>"}' "$u/echo/sub"
t "$LINENO" "PUT /echo/sub: other types give raw-body" code=200 \
    body='^method: PUT$' body='^path: /echo/sub$' \
    body='^raw-body: \{&quot;k&quot;: &quot;&lt;v&gt;&quot;\}$'
get -d 'x=1' -H 'Content-Type: multipart/form-data; boundary=zz' "$u/echo"
t "$LINENO" "POST /echo with a broken multipart body" code=200 \
    body='^multipart-error: ' body='^raw-body: x=1$'
get -H 'X-First: 1' -H 'X-Second: two' "$u/headers"
t "$LINENO" "GET /headers lists request headers" code=200 \
    head='^Content-Type: text/plain' body='^X-First: 1$' \
    body='^X-Second: two$' body='^User-Agent: curl/'
is "$LINENO" "/headers keeps the order received" \
    awk '/^X-First/ { f = NR } /^X-Second/ { s = NR }
	END { exit !(f && s > f) }' \
    "$tmp/body"
get "$u/whoami"
t "$LINENO" "GET /whoami is the label" code=200 body='^main$' \
    head='^Content-Type: text/plain'

# ---- Redirects and refresh ----
for c in 301 302 303 307 308; do
	get "$u/redirect/$c"
	t "$LINENO" "GET /redirect/$c" code=$c head='^Location: /redirected$'
done
get "$u/redirect/302?to=/echo%3Fx%3D1"
t "$LINENO" "GET /redirect/302?to=URL" code=302 head='^Location: /echo\?x=1$'
get "$u/redirect/300"
t "$LINENO" "GET /redirect/300 is refused" code=400
get -L -d 'k=v' "$u/redirect/307"
t "$LINENO" "POST through a 307 stays a POST" code=200 \
    body='You were redirected' body='^method: POST$' body='^field: k=v$'
get -L -d 'k=v' "$u/redirect/303"
t "$LINENO" "POST through a 303 becomes a GET" code=200 body='^method: GET$' \
    nobody='^field:'
get -L "$u/chain/3"
t "$LINENO" "GET /chain/3 ends in the end of chain" code=200 body='end of chain'
get "$u/chain/2"
t "$LINENO" "GET /chain/2 points to /chain/1" code=302 \
    head='^Location: /chain/1$'
get -L --max-redirs 5 "$u/loop"
t "$LINENO" "GET /loop never ends" rc=47
get "$u/loop2"
t "$LINENO" "GET /loop2 points to /loop" code=302 head='^Location: /loop$'
get "$u/refresh"
t "$LINENO" "GET /refresh" code=200 \
    body='<meta http-equiv="refresh" content="0; url=/refreshed">'
get "$u/refresh?delay=3&to=/echo%3Fr%3D1"
t "$LINENO" "GET /refresh?delay&to" code=200 \
    body='content="3; url=/echo\?r=1"'
get "$u/refresh-loop"
t "$LINENO" "GET /refresh-loop" code=200 body='content="0; url=/refresh-loop"'
get "$u/refresh-header?delay=1"
t "$LINENO" "GET /refresh-header" code=200 head='^Refresh: 1; url=/refreshed$' \
    nobody='http-equiv'
get "$u/refreshed"
t "$LINENO" "GET /refreshed" code=200 body='You were refreshed'
get "$u/refresh.html"
t "$LINENO" "GET /refresh.html (fixture)" code=200 \
    body='content="1; url=/refreshed"'

# ---- Authentication and cookies ----
get "$u/basic"
t "$LINENO" "GET /basic without credentials" code=401 \
    head='^WWW-Authenticate: Basic realm="kong"$'
get -u admin:secret "$u/basic"
t "$LINENO" "GET /basic as admin" code=200 body='Hello, admin'
get -u admin:wrong "$u/basic"
t "$LINENO" "GET /basic with a wrong password" code=401
get "$u/basic-noheader"
t "$LINENO" "GET /basic-noheader: 401 without a challenge" code=401 \
    nohead='^WWW-Authenticate'
get -u admin:secret "$u/basic-noheader"
t "$LINENO" "GET /basic-noheader as admin" code=200 body='Hello, admin'
get "$u/login"
t "$LINENO" "GET /login is a form" code=200 body='<form id="login"' \
    body='name="username"' body='name="password"' body='type="submit"'
get -d 'username=admin&password=nope' "$u/login"
t "$LINENO" "POST /login with bad credentials" code=200 body='Invalid login' \
    nohead='^Set-Cookie'
get -c "$tmp/jar" -d 'username=admin&password=secret' "$u/login"
t "$LINENO" "POST /login as admin" code=302 head='^Location: /private$' \
    head='^Set-Cookie: session=[0-9a-f]{32}; Path=/; HttpOnly$'
get -b "$tmp/jar" "$u/private"
t "$LINENO" "GET /private with the session" code=200 body='Private area'
get "$u/private"
t "$LINENO" "GET /private without a session" code=403 body='Forbidden'
get -b 'session=0000ffffffffffffffffffffffffffff' "$u/private"
t "$LINENO" "GET /private with a forged session" code=403
get -b "$tmp/jar" "$u/logout"
t "$LINENO" "GET /logout clears the cookie" code=200 \
    head='^Set-Cookie: session=; Path=/; Max-Age=0'
get -b "$tmp/jar" "$u/private"
t "$LINENO" "GET /private after logout" code=403
get "$u/setcookie?a=1&b=two"
t "$LINENO" "GET /setcookie" code=200 head='^Set-Cookie: a=1; Path=/$' \
    head='^Set-Cookie: b=two; Path=/$'
get -b 'x=1; y=2' "$u/cookies"
t "$LINENO" "GET /cookies" code=200 body='^x=1$' body='^y=2$'

# ---- Deploys: response headers, build ids, a site that gets slow ----
get "$u/respond-headers?X-Node=web1&X-Node=web2&Cache-Control=no-store"
t "$LINENO" "GET /respond-headers" code=200 head='^X-Node: web1$' \
    head='^X-Node: web2$' head='^Cache-Control: no-store$'
get "$u/build?id=2026.12-a"
t "$LINENO" "GET /build?id=" code=200 head='^X-Build: 2026.12-a$' \
    body='<meta name="build" content="2026.12-a">'
get "$u/getting-slow?reset=1"
t "$LINENO" "GET /getting-slow?reset=1" code=200 body='^reset$'
get "$u/getting-slow?step=150"
t "$LINENO" "the first /getting-slow is not delayed" code=200 \
    body='Answered after 0 ms'
get "$u/getting-slow?step=150"
t "$LINENO" "the second waits one step" code=200 body='Answered after 150 ms'
is "$LINENO" "... and takes that long ($secs s)" at_least "$secs" 0.14

# ---- Timing ----
get "$u/slow?ms=200"
t "$LINENO" "GET /slow?ms=200" code=200 body='Slow response'
is "$LINENO" "/slow?ms=200 takes 200 ms ($secs s)" at_least "$secs" 0.19
fd0=$(fds "$main_pid")
get -m 0.2 "$u/hang"
t "$LINENO" "GET /hang never answers" rc=28
get -m 0.1 "$u/slow?ms=1000"
t "$LINENO" "a client leaves /slow early" rc=28
get -m 0.2 "$u/endless"
t "$LINENO" "GET /endless streams until the client leaves" rc=28 \
    head='^Transfer-Encoding: chunked$' body='Filler line'
get "$u/drip?bytes=5&ms=20"
t "$LINENO" "GET /drip" code=200 body='^01234$' size=5 \
    head='^Transfer-Encoding: chunked$'
get -m 0.1 "$u/drip?bytes=100&ms=30"
t "$LINENO" "a client leaves /drip early" rc=28
sleep 0.1
is "$LINENO" "no connection leaks after clients gave up" \
    [ "$(fds "$main_pid")" = "$fd0" ]
get "$u/whoami"
t "$LINENO" "the site still answers" code=200 body='^main$'

# ---- Status codes and content types ----
get "$u/status/404"
t "$LINENO" "GET /status/404" code=404 body='<h1>Not Found</h1>'
get "$u/status/418"
t "$LINENO" "GET /status/418" code=418 body='418'
get "$u/status/204"
t "$LINENO" "GET /status/204 has no body" code=204 size=0
get "$u/status/99"
t "$LINENO" "GET /status/99 is refused" code=400
get "$u/error"
t "$LINENO" "GET /error" code=500 body='Internal Server Error'
get "$u/no/such/page"
t "$LINENO" "unknown path" code=404 body='<title>404 Not Found</title>' \
    body='Not Found'
get "$u/text"
t "$LINENO" "GET /text" code=200 head='^Content-Type: text/plain' \
    body='plain text'
get "$u/xml"
t "$LINENO" "GET /xml" code=200 head='^Content-Type: application/xml$' \
    body='^<\?xml version="1.0"' body='<item id="2">'
get "$u/json"
t "$LINENO" "GET /json" code=200 head='^Content-Type: application/json$' \
    body='"ok": true'
get "$u/utf8"
t "$LINENO" "GET /utf8" code=200 \
    head='^Content-Type: text/html; charset=utf-8$' \
    body='Καλημέρα' body='こんにちは' body='🦍'
get "$u/latin1"
t "$LINENO" "GET /latin1" code=200 \
    head='^Content-Type: text/html; charset=iso-8859-1$' \
    body="$(printf 'caf\351')"
get "$u/nocharset"
t "$LINENO" "GET /nocharset" code=200 head='^Content-Type: text/html$' \
    body='café'
get "$u/gzip"
t "$LINENO" "GET /gzip is compressed" code=200 head='^Content-Encoding: gzip$' \
    nobody='compressed hello'
get --compressed "$u/gzip"
t "$LINENO" "GET /gzip decompressed" code=200 body='compressed hello'
get "$u/chunked"
t "$LINENO" "GET /chunked" code=200 head='^Transfer-Encoding: chunked$' \
    body='chunk 1' body='chunk 5'
get "$u/empty"
t "$LINENO" "GET /empty" code=200 size=0 head='^Content-Length: 0$'
get "$u/big?bytes=100000"
t "$LINENO" "GET /big?bytes=100000" code=200 size=100000 \
    head='^Content-Length: 100000$' body='^<!DOCTYPE html>' body='</html>$'
get "$u/big"
t "$LINENO" "GET /big is 1 MiB" code=200 size=1048576
get -I "$u/big?bytes=7"
t "$LINENO" "HEAD /big" code=200 head='^Content-Length: 7$'
get "$u/longheader?bytes=5000"
t "$LINENO" "GET /longheader" code=200 head='^X-Long: x{5000}$'

# ---- Hostile raw answers ----
get "$u/raw/badstatus"
is "$LINENO" "/raw/badstatus fails in curl" [ "$rc" -ne 0 ]
get --http0.9 "$u/raw/badstatus"
t "$LINENO" "/raw/badstatus is garbage" rc=0 body='^HTTZ/9.9 GARBAGE'
get "$u/raw/truncated"
t "$LINENO" "/raw/truncated" rc=18 body='<p>partial'
get "$u/raw/badgzip"
t "$LINENO" "/raw/badgzip without decoding" rc=0 head='^Content-Encoding: gzip$'
get --compressed "$u/raw/badgzip"
t "$LINENO" "/raw/badgzip decoded" rc=61
get "$u/raw/badchunk"
t "$LINENO" "/raw/badchunk" rc=56
get "$u/raw/close"
t "$LINENO" "/raw/close" rc=52
get "$u/raw/nolength"
t "$LINENO" "/raw/nolength" rc=0 code=200 body='ends when the connection closes'
get "$u/raw/hugeheaders"
t "$LINENO" "/raw/hugeheaders" rc=0 code=200 head='^X-Filler-200: ' \
    body='huge headers'
is "$LINENO" "/raw/hugeheaders has 200 extra headers" \
    [ "$(grep -c '^X-Filler-' "$tmp/head.lf")" = 200 ]
get "$u/raw/nope"
t "$LINENO" "/raw/nope" code=404

# ---- Static files ----
get "$u/forms-basic.html"
t "$LINENO" "GET /forms-basic.html" code=200 \
    head='^Content-Type: text/html; charset=utf-8$' body='<form id="basic"'
get "$u/button.png"
t "$LINENO" "GET /button.png" code=200 head='^Content-Type: image/png$' size=69
get --path-as-is "$u/../testsite.c"
t "$LINENO" "paths with .. are refused" code=403
get "$u/forms-methods.html?q=noaction"
t "$LINENO" "a form fixture with a query echoes" code=200 \
    body='^path: /forms-methods.html$' body='^param: q=noaction$'
get -d 'q=self' "$u/forms-methods.html"
t "$LINENO" "a form fixture posted to echoes" code=200 body='^field: q=self$'
get -d 'q=x' "$u/links.html"
t "$LINENO" "POST to another file" code=405 head='^Allow: GET, HEAD$'
get "$u/dir"
t "$LINENO" "a directory redirects to its slash" code=301 \
    head='^Location: /dir/$'
get "$u/dir/"
t "$LINENO" "a directory serves its index.html" code=200 body='Directory index'

# ---- The news vhost ----
h='Host: news.example'
get -H "$h" "$u/"
t "$LINENO" "vhost front page" code=200 head='^X-Testsite-Label: main$' \
    body='<title>news.example - Demo News</title>' \
    body='<h1 class="site-name"><a href="/">news.example</a></h1>' \
    body='<h2>Latest News</h2>' body='<form id="search"' \
    body='<form id="login"' body='>Log in</a>' body='>About</a>'
is "$LINENO" "the front page has 40 teasers" \
    [ "$(grep -c 'class="teaser"' "$tmp/body")" = 40 ]
size=$(wc -c <"$tmp/body")
is "$LINENO" "the front page is about 30 KB ($size bytes)" \
    [ "$size" -gt 27000 -a "$size" -lt 36000 ]
get -H 'Host: NEWS.example:8080' "$u/"
t "$LINENO" "vhost names ignore case and port" code=200 body='Latest News'
get -H "$h" "$u/search?q=%3Cscript%3E"
t "$LINENO" "vhost /search escapes the query" code=200 \
    body='Search results for <strong>&lt;script&gt;</strong>' \
    nobody='<script>' body='value="&lt;script&gt;"'
get -H "$h" "$u/search?q=council"
t "$LINENO" "vhost /search finds stories" code=200 \
    body='<li><a href="/news/[0-9]+">City council'
get -H "$h" "$u/login"
t "$LINENO" "vhost /login form" code=200 body='<form id="login"' \
    body='name="password"'
get -H "$h" -c "$tmp/vjar" -d 'username=admin&password=secret' "$u/login"
t "$LINENO" "vhost login as admin" code=302 head='^Location: /account$' \
    head='^Set-Cookie: session=[0-9a-f]{32}; Path=/; HttpOnly$'
get -H "$h" -b "$tmp/vjar" "$u/account"
t "$LINENO" "vhost /account with the session" code=200 \
    body='Welcome back, admin'
get -H "$h" "$u/account"
t "$LINENO" "vhost /account without a session" code=302 \
    head='^Location: /login$'
get -H "$h" -d 'username=admin&password=bad' "$u/login"
t "$LINENO" "vhost login with bad credentials" code=200 body='Invalid login'
get -H "$h" "$u/health"
t "$LINENO" "vhost /health" code=200 head='^Content-Type: text/plain' \
    body='^ok$'
get -H "$h" "$u/news/7"
t "$LINENO" "vhost /news/7" code=200 body='<article class="story" id="story-7">'
get -H "$h" "$u/news/0"
t "$LINENO" "vhost /news/0" code=404
get -H "$h" "$u/about"
t "$LINENO" "vhost /about" code=200 body='About news.example'
get -H "$h" "$u/whoami"
t "$LINENO" "vhost falls through to the common routes" code=200 body='^main$'
get -H 'Host: other.example' "$u/"
t "$LINENO" "an unknown host gets the index" code=200 body='Kong test site'

# ---- Vhost faults ----
get -H 'Host: broken.example' "$u/"
t "$LINENO" "fault status=503" code=503 body='Service Unavailable'
get -H 'Host: broken.example' "$u/health"
t "$LINENO" "fault status= spares other pages" code=200 body='^ok$'
get -H 'Host: plain.example' "$u/"
t "$LINENO" "faults nonews,title=Oops" code=200 body='<title>Oops</title>' \
    nobody='Latest News' body='class="teaser"'
get -H 'Host: cut.example' "$u/"
t "$LINENO" "fault missing=TEXT" code=200 nobody='Most read' body='Latest News'
get -H 'Host: slow.example' "$u/"
t "$LINENO" "fault slow=200" code=200 body='Latest News'
is "$LINENO" "fault slow=200 delays the front page ($secs s)" \
    at_least "$secs" 0.19
get -H 'Host: down.example' "$u/"
t "$LINENO" "fault down closes without an answer" rc=52
get -H 'Host: down.example' "$u/health"
t "$LINENO" "fault down hits every page" rc=52
get -H 'Host: locked.example' -d 'username=admin&password=secret' "$u/login"
t "$LINENO" "fault badlogin" code=200 body='Invalid login' nohead='^Set-Cookie'

# ---- Keep-alive and concurrency ----
conns=$(curl -s --noproxy '*' -m 5 -o /dev/null -o /dev/null \
    -w '%{num_connects} ' "$u/whoami" "$u/echo")
is "$LINENO" "keep-alive reuses the connection ($conns)" [ "$conns" = "1 0 " ]
i=0
: >"$tmp/many"
while [ $i -lt 300 ]; do
	printf 'url = "%s/echo?i=%d"\noutput = "/dev/null"\n' "$u" $i \
	    >>"$tmp/many"
	i=$((i + 1))
done
ok200=$(curl -s --noproxy '*' -m 20 --parallel --parallel-max 100 \
    -K "$tmp/many" -w '%{http_code}\n' 2>/dev/null | grep -c '^200$')
is "$LINENO" "300 requests, 100 at a time ($ok200 ok)" [ "$ok200" = 300 ]

# ---- Labels: one host name on 127.0.0.2 and 127.0.0.3 ----
testsite_start --listen 127.0.0.2:0 --label two --vhost shop.example ||
    exit 99
p2=$TESTSITE_PORT
testsite_start --listen 127.0.0.3:0 --label three --vhost shop.example ||
    exit 99
p3=$TESTSITE_PORT
get "http://127.0.0.2:$p2/whoami"
t "$LINENO" "--label on 127.0.0.2" code=200 body='^two$' \
    head='^X-Testsite-Label: two$'
get "http://127.0.0.3:$p3/whoami"
t "$LINENO" "--label on 127.0.0.3" code=200 body='^three$' \
    head='^X-Testsite-Label: three$'
get --resolve "shop.example:$p2:127.0.0.2" "http://shop.example:$p2/"
t "$LINENO" "shop.example on 127.0.0.2" code=200 \
    body='<title>shop.example - Demo News</title>' \
    head='^X-Testsite-Label: two$'
get --resolve "shop.example:$p3:127.0.0.3" "http://shop.example:$p3/"
t "$LINENO" "shop.example on 127.0.0.3" code=200 \
    body='<title>shop.example - Demo News</title>' \
    head='^X-Testsite-Label: three$'

# ---- Port file, pid file, IPv6, signals ----
if [ -f /proc/net/if_inet6 ] && grep -q '00000000000000000000000000000001' \
    /proc/net/if_inet6; then
	v6='[::1]:0'
else
	v6=
fi
"$TESTSITE" --root "$top_srcdir/tests/site" --listen 127.0.0.1:0 \
    ${v6:+--listen "$v6"} --port-file "$tmp/ports" --pid-file "$tmp/pid" \
    --label files &
pid=$!
tries=0
while [ ! -s "$tmp/ports" ] && [ $tries -lt 200 ]; do
	sleep 0.05
	tries=$((tries + 1))
done
nports=1
[ -n "$v6" ] && nports=2
is "$LINENO" "the port file holds $nports port(s), one a line" \
    awk -v want=$nports '/^[0-9]+$/ { c++ }
	END { exit !(c == want && NR == want) }' \
    "$tmp/ports"
is "$LINENO" "the pid file" [ "$(cat "$tmp/pid" 2>/dev/null)" = "$pid" ]
get "http://127.0.0.1:$(sed -n 1p "$tmp/ports")/whoami"
t "$LINENO" "the first port answers" code=200 body='^files$'
if [ -n "$v6" ]; then
	get -g "http://[::1]:$(sed -n 2p "$tmp/ports")/whoami"
	t "$LINENO" "the IPv6 listener answers" code=200 body='^files$'
else
	report "$LINENO" "the IPv6 listener answers # SKIP no ::1" ""
fi
kill -TERM "$pid"
wait "$pid"
is "$LINENO" "SIGTERM exits 0" [ $? -eq 0 ]
is "$LINENO" "the port file is removed at exit" [ ! -e "$tmp/ports" ]
is "$LINENO" "the pid file is removed at exit" [ ! -e "$tmp/pid" ]
"$TESTSITE" --root "$top_srcdir/tests/site" --port-file "$tmp/ports2" &
pid=$!
tries=0
while [ ! -s "$tmp/ports2" ] && [ $tries -lt 200 ]; do
	sleep 0.05
	tries=$((tries + 1))
done
kill -INT "$pid"
wait "$pid"
is "$LINENO" "SIGINT exits 0" [ $? -eq 0 ]
testsite_stop "$main_pid"
is "$LINENO" "testsite_stop returns the exit status 0" [ $? -eq 0 ]

# ---- Command line ----
"$TESTSITE" --bogus >"$tmp/out" 2>"$tmp/err"
is "$LINENO" "a bad option exits 2" [ $? -eq 2 ]
is "$LINENO" "a bad option prints the usage on stderr" \
    grep -q '^usage:' "$tmp/err"
"$TESTSITE" --vhost 'x.example:explode' >"$tmp/out" 2>"$tmp/err"
is "$LINENO" "a bad fault exits 2" [ $? -eq 2 ]
is "$LINENO" "a bad fault is named" grep -q 'unknown fault "explode"' "$tmp/err"
"$TESTSITE" --listen 127.0.0.1 >"$tmp/out" 2>"$tmp/err"
is "$LINENO" "a --listen without a port exits 2" [ $? -eq 2 ]
"$TESTSITE" --listen 192.0.2.1:0 >"$tmp/out" 2>"$tmp/err"
is "$LINENO" "a --listen that cannot bind exits 1" [ $? -eq 1 ]
is "$LINENO" "a --listen that cannot bind says why" \
    grep -q 'kong-testsite: --listen 192.0.2.1:0: ' "$tmp/err"
"$TESTSITE" --help >"$tmp/out" 2>"$tmp/err"
is "$LINENO" "--help exits 0" [ $? -eq 0 ]
is "$LINENO" "--help prints the usage on stdout" grep -q '^usage:' "$tmp/out"

echo "1..$n"
