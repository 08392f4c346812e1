# alerts-lib.sh: what the alerting tests share (sourced after
# testsite-lib.sh, with TEST_NAME set to the test's path): TAP helpers that
# name the test's file and line, a temporary directory $tmp removed at
# exit (kept with ALERTS_KEEP=1), and a real SMTP server (smtp-sink.py,
# aiosmtpd) with helpers to read what it received.
PY=/usr/bin/python3
if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
	echo "1..0 # SKIP python3-aiosmtpd is not installed (.ci/deps)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-alerts.XXXXXX")
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	testsite_stop_all
	if [ -n "$ALERTS_KEEP" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $TEST_NAME:${BASH_LINENO[0]}: $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $TEST_NAME:${BASH_LINENO[0]}: $*"; }
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - $TEST_NAME:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - $TEST_NAME:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2"
	fi
}
# has FILE REGEX NAME / hasnt FILE REGEX NAME
has() {
	n=$((n + 1))
	if grep -qE -- "$2" "$1"; then
		echo "ok $n - $TEST_NAME:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - $TEST_NAME:${BASH_LINENO[0]}: $3"
		echo "# no match for /$2/ in:"; sed 's/^/#   /' "$1" | head -30
	fi
}
hasnt() {
	n=$((n + 1))
	if grep -qE -- "$2" "$1"; then
		echo "not ok $n - $TEST_NAME:${BASH_LINENO[0]}: $3"
		grep -E -- "$2" "$1" | sed 's/^/#   /' | head -10
	else
		echo "ok $n - $TEST_NAME:${BASH_LINENO[0]}: $3"
	fi
}

# wait_file FILE: until it exists (10 s at most).
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$1" ]
}
# state_sites NAME... [-- TESTSITE-ARGS...]: the test site serving
# $tmp/root/NAME/state.txt, "up", for each NAME; sets P. up NAME... and
# down NAME... change what they say.
state_sites() {
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		mkdir -p "$tmp/root/$1"
		echo up > "$tmp/root/$1/state.txt"
		shift
	done
	[ "${1:-}" = -- ] && shift
	testsite_start --root "$tmp/root" "$@" || exit 99
	P=$TESTSITE_PORT
}
up() { for s in "$@"; do echo up > "$tmp/root/$s/state.txt"; done; }
down() { for s in "$@"; do echo down > "$tmp/root/$s/state.txt"; done; }
# rem_fleet DIR: DIR/kong.ini, its [kong] section read from standard input,
# then the site rem (managers rem@example.com) and its test state.
rem_fleet() {
	mkdir -p "$1"
	{
		cat
		printf '\n[site rem]\nurl = http://127.0.0.1:%s/rem/\n' "$P"
		printf 'managers = rem@example.com\n\n[test state]\nsites = rem\n'
		printf 'body =\n    go {{ site.url }}state.txt\n    find "up"\n'
	} > "$1/kong.ini"
}
# hook_start DIR: the webhook and ping receiver (http-sink.py) writing into
# DIR; sets HP, its port.
hook_start() {
	mkdir -p "$1"
	$PY "$top_srcdir/tests/http-sink.py" "$1" "$tmp/hook.port" &
	PIDS="$PIDS $!"
	wait_file "$tmp/hook.port" || { echo "Bail out! http-sink.py did not start"; exit 1; }
	HP=$(cat "$tmp/hook.port")
}
# smtp_start DIR [CERT KEY [require]]: sets SMTP_PID and SMTP_PORT (a free
# port, or $SMTP_AT).
smtp_start() {
	d=$1; shift
	mkdir -p "$d"
	rm -f "$tmp/smtp.port"
	SMTP_PORT=${SMTP_AT:-0} $PY "$top_srcdir/tests/smtp-sink.py" "$d" \
	    "$tmp/smtp.port" "$@" 2>>"$tmp/smtp.log" &
	SMTP_PID=$!
	PIDS="$PIDS $SMTP_PID"
	wait_file "$tmp/smtp.port" || { echo "Bail out! smtp-sink.py did not start"; exit 1; }
	SMTP_PORT=$(cat "$tmp/smtp.port")
}
mails() { ls "$1" 2>/dev/null | grep -c '\.eml$'; }
# The mails after the first $2 of DIR $1, one file a line.
new_mails() { ls "$1" | grep '\.eml$' | sort | tail -n +$(($2 + 1)) | sed "s|^|$1/|"; }
part() { $PY "$top_srcdir/tests/mail-part.py" "$@"; }
# Who got what, sorted: "to|subject" lines of the mails after the first $2.
got() {
	for f in $(new_mails "$1" "$2"); do
		echo "$(part "$f" to)|$(part "$f" subject)"
	done | sort
}

