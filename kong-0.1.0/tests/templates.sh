#!/bin/bash
# templates.sh: an undefined template variable stops kong check, kong lint
# and kong render with exit status 2 and FILE:LINE:COL, the line, a caret
# and a suggestion, and nothing runs: no request reaches the site and no
# result record is written. The same inventory without the typo checks the
# site for real, so that "nothing ran" is seen to be observable. TAP output;
# a failure names this file and its line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-templates.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
# is GOT WANT NAME
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/templates.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/templates.sh:${BASH_LINENO[0]}: $3"
		printf '%s\n' "$1" | sed 's/^/# got:  /'
		printf '%s\n' "$2" | sed 's/^/# want: /'
	fi
}

# Each request the site answers is a line of its log.
testsite_start --vhost shop.test --verbose 2>"$tmp/site.log" || exit 99
P=$TESTSITE_PORT
requests() { grep -c ' GET ' "$tmp/site.log"; }

# inventory FILE FIND: a site whose headline the test finds with FIND.
inventory() {
	cat > "$1" <<INI
[kong]
timeout = 5s
resolve = shop.test:$P:127.0.0.1

[type news]

[site shop]
url = http://shop.test:$P/
type = news
headline = Latest News

[test home]
types = news
body =
    go {{ site.url }}
    {% if site.beta %}echo beta{% endif %}
    find "{{ site.kicker|default:"Latest" }}"
    find "$2"
INI
}
inventory "$tmp/ok.ini" '{{ site.headline }}'
inventory "$tmp/typo.ini" '{{ site.headng }}'

# --- the control: without the typo, the check runs ----------------------
$KONG_WRAPPER "$KONG" check -c "$tmp/ok.ini" --log "$tmp/ok.jsonl" \
    >/dev/null 2>"$tmp/err"
is "$?" 0 "the inventory without the typo passes"
is "$(jq -r 'select(.record=="result") | .status' "$tmp/ok.jsonl")" pass \
    "and writes its result record"
is "$(requests)" 1 "and the site saw its request"

# --- the typo: an error, and nothing runs -------------------------------
error="$tmp/typo.ini:18:14: error: undefined variable 'site.headng': 'site' has no key 'headng'; did you mean 'site.headline'?
 18 |     find \"{{ site.headng }}\"
    |              ^"
note="kong: note: in test 'home' rendered for site 'shop'"

$KONG_WRAPPER "$KONG" check -c "$tmp/typo.ini" --log "$tmp/typo.jsonl" \
    >"$tmp/out" 2>"$tmp/err"
is "$?" 2 "kong check: exit status 2"
is "$(cat "$tmp/err")" "$error
$note; see it with: kong render shop home
kong check: 1 pair did not compile; nothing ran (kong lint shows every problem)" \
    "kong check: FILE:LINE:COL, the line, a caret, did you mean"
is "$(requests)" 1 "kong check: no request reached the site"
is "$(test -e "$tmp/typo.jsonl" && echo written || echo none)" none \
    "kong check: no result record (no log at all)"
is "$(cat "$tmp/out")" "" "kong check: nothing on standard output"

$KONG_WRAPPER "$KONG" lint -c "$tmp/typo.ini" >"$tmp/out" 2>"$tmp/err"
is "$?" 2 "kong lint: exit status 2"
is "$(grep -v "warning: site 'shop': attribute 'headline' is read by no template" "$tmp/err")" "$error
$note
kong lint: 1 site, 1 test, 1 rendered script: 1 error, 1 warning" \
    "kong lint: the same error, counted as an error"
grep -q "warning: site 'shop': attribute 'headline' is read by no template" "$tmp/err"
is "$?" 0 "kong lint: and the attribute the typo missed is read by no template"
$KONG_WRAPPER "$KONG" lint -c "$tmp/ok.ini" >/dev/null 2>"$tmp/err"
is "$?:$(cat "$tmp/err")" \
    "0:kong lint: 1 site, 1 test, 1 rendered script: 0 errors, 0 warnings" \
    "kong lint: if and default are no errors"

$KONG_WRAPPER "$KONG" render -c "$tmp/typo.ini" shop home >"$tmp/out" \
    2>"$tmp/err"
is "$?" 2 "kong render: exit status 2"
is "$(cat "$tmp/err")" "$error" "kong render: the same error"
is "$(cat "$tmp/out")" "" "kong render: no script printed"

is "$(requests)" 1 "still no request after lint and render"
echo "1..$n"
