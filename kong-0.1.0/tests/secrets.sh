#!/bin/bash
# secrets.sh: {{ secret.NAME }} from the environment or a secrets_file, and
# never a secret in anything Kong writes: not in the records (commands,
# URLs, messages, output, steps), not on the terminal, not in kong render.
# The secrets go out in a URL, a form value (form-encoded), a basic-auth
# header (base64) and an echo, and come back in a failing command and in
# the test site's reflections of the request. TAP output.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-redact.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/secrets.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/secrets.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2" | head -20
	fi
}
kong() { $KONG_WRAPPER "$KONG" "$@"; }

testsite_start || exit 99
U=$TESTSITE_URL
token=T0k3nValue-42
phrase='open sesame & co'
# The spellings a leak would take.
spellings() {
	printf '%s\n' "$token" "$phrase" 'open+sesame+%26+co' 'open%20sesame%20%26%20co' \
	    'open sesame &amp; co' secret YWRtaW46c2VjcmV0
}
leaks() {	# leaks FILE...: the spellings found in the files
	for f in "$@"; do
		spellings | while IFS= read -r s; do
			grep -qF -- "$s" "$f" && echo "$(basename "$f"): $s"
		done
	done | sort -u | paste -sd';' -
}

mkdir -p "$tmp/fleet"  # (no "secret" in any path: the test looks for the word)
cat > "$tmp/fleet/kong.ini" <<INI
[kong]
secrets_file = secrets
[site t]
url = $U/
[test leak]
sites = t
body =
    go {{ site.url }}echo?token={{ secret.token }}
    find "param: token={{ secret.token }}"
    show
    go {{ site.url }}forms-methods.html
    fv post q "{{ secret.phrase }}"
    submit
    show
    add_auth kong {{ site.url }}basic admin {{ secret.pw }}
    go {{ site.url }}basic
    code 200
    show
    echo token {{ secret.token }} and {{ secret.phrase }}
    find "{{ secret.token }} is not there"
INI
printf 'phrase=%s\npw=secret\n' "$phrase" > "$tmp/fleet/secrets"
chmod 644 "$tmp/fleet/secrets"
KONG_SECRET_token=$token kong lint -c "$tmp/fleet" 2> "$tmp/lint.err"
is "$?" 2 "a secrets_file others can read is refused"
grep -q "secrets_file .* can be read by others (mode 0644); chmod 600 it" "$tmp/lint.err"
is "$?" 0 "and says how to fix it"
chmod 600 "$tmp/fleet/secrets"

KONG_SECRET_token=$token kong check -c "$tmp/fleet" --log "$tmp/log.jsonl" --summary \
    > "$tmp/check.out" 2> "$tmp/check.err"
is "$?" 1 "the check runs with its secrets (and fails on purpose at its last line)"
is "$(jq -r 'select(.record=="result") | [.status, .error.line, (.steps | length)] | map(tostring) | join(" ")' "$tmp/log.jsonl")" \
    "fail 20 5" "every request was made, the secrets sent"
is "$(jq -r 'select(.record=="result") | .output' "$tmp/log.jsonl" | grep -c '\*\*\*')" 5 \
    "what the pages reflected is masked in the record's output"
is "$(jq -r 'select(.record=="result") | .error.command' "$tmp/log.jsonl")" \
    'find "*** is not there"' "the failing command is masked"
is "$(jq -r 'select(.record=="result") | .steps[0].url' "$tmp/log.jsonl")" \
    "$U/echo?token=***" "a step's URL is masked"
is "$(leaks "$tmp/log.jsonl" "$tmp/check.out" "$tmp/check.err")" "" \
    "no spelling of any secret in the log or on the terminal"

KONG_SECRET_token=$token kong render -c "$tmp/fleet" t leak > "$tmp/render.out"
is "$(sed -n 1p "$tmp/render.out")" "go $U/echo?token=***" "kong render masks them too"
is "$(leaks "$tmp/render.out")" "" "no secret in kong render's output"

# A typo of a secret's name: an undefined variable, with a hint.
sed -i 's/{{ secret.token }} is not/{{ secret.tokn }} is not/' "$tmp/fleet/kong.ini"
KONG_SECRET_token=$token kong lint -c "$tmp/fleet" 2> "$tmp/lint.err"
is "$?" 2 "a misspelt secret is an error"
grep -q "did you mean 'secret.token'" "$tmp/lint.err"
is "$?" 0 "with did you mean"
is "$(leaks "$tmp/lint.err" | tr ';' '\n' | grep -v ': secret$' | paste -sd';' -)" "" \
    "and the error shows no secret (the word secret is the template's namespace)"
printf 'pw=abc\n' > "$tmp/fleet/secrets"
kong lint -c "$tmp/fleet" 2> "$tmp/lint.err"
is "$?" 2 "a secret too short to be masked is refused"
grep -q "secret 'pw' is shorter than 4 characters" "$tmp/lint.err"
is "$?" 0 "and says so"
echo "1..$n"
