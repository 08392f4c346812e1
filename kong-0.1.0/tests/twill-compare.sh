#!/usr/bin/env bash
# twill-compare.sh: run the script tests side by side with the real twill
# and print a Markdown table of outcomes. Not part of make check: it needs
# twill's source and Python with lxml, httpx, flask and pyparsing.
#
#   tests/twill-compare.sh [FILE.test...]
#
# For every case of tests/scripts/*.test (format: tests/scripts-lib.sh)
# that is not marked "twill: skip", the case's script runs under `kong run`
# and under `python3 -m twill -l warning` with the same arguments, against
# the same loopback test site, each in a fresh copy of the case's files.
# The outcome compared is the exit status and the first failing file:line
# (Kong's "FILE:LINE: error:", twill's "raised on line N of 'FILE'").
# Cases marked "twill: differs WHY" are expected to differ; WHY cites the
# difference of docs/twill.md that explains it ("docs/twill.md D9: ...").
# docs/twill.md, "Comparing with twill", has the last results.
#
# Then twill's own tests/*.twill scripts run against twill's Flask test
# server (tests/server.py, bound to 127.0.0.1 on a free port), as twill's
# own test suite runs them (with -u URL of the server). A script whose only
# extension is "require" (a no-op in twill 3) also runs without its require
# lines, as NAME-norequire.twill, so that Kong can run it.
#
# Environment: TWILL_SRC, twill's source tree (default /tmp/twill; fetched
# from github:twill-tools/twill); TWILL_PYTHON (default /usr/bin/python3);
# KONG, TESTSITE, top_srcdir, top_builddir as for tests/scripts.sh.
#
# Only loopback traffic.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${KONG:=$top_builddir/kong}"
: "${TWILL_SRC:=/tmp/twill}"
: "${TWILL_PYTHON:=/usr/bin/python3}"
. "$top_srcdir/tests/testsite-lib.sh"
. "$top_srcdir/tests/scripts-lib.sh"

export LC_ALL=C.UTF-8
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
case $KONG in /*) ;; *) KONG=$PWD/$KONG;; esac

T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/kong-compare.XXXXXX") || exit 99
server_pid=
trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null; testsite_stop_all
    rm -rf "$T_WORK"' EXIT

# twill reads its version from package metadata, which a source tree lacks.
mkdir -p "$T_WORK/meta/twill-0.dist-info"
printf 'Metadata-Version: 2.1\nName: twill\nVersion: %s\nProject-URL: %s\n' \
    "$(sed -n 's/^version = "\(.*\)"/\1/p' "$TWILL_SRC/pyproject.toml")" \
    'Homepage, https://github.com/twill-tools/twill' \
    >"$T_WORK/meta/twill-0.dist-info/METADATA"
export PYTHONPATH=$TWILL_SRC/src:$T_WORK/meta
if ! "$TWILL_PYTHON" -m twill -v >/dev/null 2>&1; then
	echo "twill-compare.sh: cannot run twill from $TWILL_SRC with" \
	    "$TWILL_PYTHON" >&2
	exit 99
fi
twill_version=$("$TWILL_PYTHON" -m twill -v | sed -n 's/^twill version: //p')

[ $# -gt 0 ] || set -- "$top_srcdir"/tests/scripts/*.test
tests_site_root "$T_WORK/site" || exit 99
testsite_start --root "$T_WORK/site" || exit 99
T_PORT=$TESTSITE_PORT
T_HOST=127.0.0.1:$T_PORT
T_SITE=http://$T_HOST
tests_parse "$@"

# The outcome of a kong run: pass, fail@FILE:LINE, compile-error, ...
kong_outcome() {	# DIR
	local rc where
	rc=$(cat "$1/rc")
	where=$(grep -m1 -oE '^[^ :]+:[0-9]+: error:' "$1/err" |
	    sed 's/: error:$//')
	case $rc in
	0) echo pass;;
	2) if grep -q 'did not compile' "$1/err"; then echo compile-error
	   else echo usage-error; fi;;
	124|137) echo hang;;
	1) echo "fail${where:+@$where}";;
	*) echo "exit-$rc${where:+@$where}";;
	esac
}

twill_outcome() {	# DIR
	local rc where
	rc=$(cat "$1/rc")
	where=$(grep -m1 -oE "raised on line [0-9]+ of '[^']*'" "$1/out" |
	    sed -E "s/raised on line ([0-9]+) of '(.*)'/\2:\1/")
	case $rc in
	0) echo pass;;
	124|137) echo hang;;
	1) echo "fail${where:+@$where}";;
	*) echo "exit-$rc${where:+@$where}";;
	esac
}

# Run "kong run ARGS" and "twill ARGS" in fresh copies of $1/run.
run_both() {	# CASEDIR ARGS
	local d=$1
	shift
	rm -rf "$d/k" "$d/t"
	cp -a "$d/run" "$d/k"
	cp -a "$d/run" "$d/t"
	(cd "$d/k" && timeout -k 5 60 "$KONG" run "$@" </dev/null \
	    >"$d/k.out" 2>"$d/k.err"; echo $? >"$d/k.rc")
	(cd "$d/t" && timeout -k 5 60 "$TWILL_PYTHON" -m twill -l warning "$@" \
	    </dev/null >"$d/t.out" 2>"$d/t.err"; echo $? >"$d/t.rc")
	mkdir -p "$d/K" "$d/T"
	mv "$d/k.out" "$d/K/out"; mv "$d/k.err" "$d/K/err"; mv "$d/k.rc" "$d/K/rc"
	mv "$d/t.out" "$d/T/out"; mv "$d/t.err" "$d/T/err"; mv "$d/t.rc" "$d/T/rc"
}

same=0
known=0
differ=0
skipped=0
rows=()
for ((i = 0; i < T_N; i++)); do
	where="${T_FILE[i]#tests/scripts/}:${T_LINE[i]}"
	name=${T_NAME[i]//|/\\|}
	case ${T_TWILL[i]} in
	skip*)
		skipped=$((skipped + 1))
		continue;;
	esac
	eval "set -- ${T_ARGS[i]}"
	kongonly=
	for a in "$@"; do
		case $a in -j*|--jobs*|--jsonl*|--timeout*|--deadline*|\
		    --connect-timeout*|--resolve*|-k|--insecure) kongonly=$a;;
		esac
	done
	if [ -n "$kongonly" ]; then
		skipped=$((skipped + 1))
		continue
	fi
	tests_setup "$i" "${T_DIR[i]}/run"
	run_both "${T_DIR[i]}" "$@"
	ko=$(kong_outcome "${T_DIR[i]}/K")
	to=$(twill_outcome "${T_DIR[i]}/T")
	if [ "$ko" = "$to" ]; then
		verdict=same
		same=$((same + 1))
	elif [ "$to" = fail ] && [[ $ko == fail@* ]]; then
		# twill fails outside its error wrapper (a substitution error).
		verdict="same (twill names no line)"
		same=$((same + 1))
	elif [[ ${T_TWILL[i]} == differs* ]]; then
		verdict="known: ${T_TWILL[i]#differs }"
		known=$((known + 1))
	else
		verdict="**DIFFERENT**"
		differ=$((differ + 1))
	fi
	rows+=("| $where | $name | $ko | $to | ${verdict//|/\\|} |")
done

# twill's own scripts, against its own Flask test server. The reasons cite
# docs/twill.md's differences.
declare -A own_known=(
	[test_basic.twill]="getinput, getpassword (D13)"
	[test_check_links.twill]="extend_with (D13)"
	[test_dns.twill]="extend_with (D13)"
	[test_formfill.twill]="extend_with (D13)"
	[test_match_parse.twill]="extend_with (D13)"
	[test_shell.twill]="written for the interactive shell (D13); fails under twill's runner too"
	[test_shell_fail.twill]="written for the interactive shell (D13)"
	[test_variables.twill]="run and Python expressions (D6, D13)"
	[test_go_fail2.twill]="an unknown command (D2)"
	[test_form.twill]="extend_with require (D13); see test_form-norequire.twill"
	[test_go.twill]="extend_with require (D13); see test_go-norequire.twill"
)
own_rows=()
port=$("$TWILL_PYTHON" -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp -a "$TWILL_SRC/tests" "$T_WORK/own"
(cd "$T_WORK/own" && TWILL_TEST_PORT=$port exec "$TWILL_PYTHON" server.py \
    >"$T_WORK/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 100); do
	"$TWILL_PYTHON" -c "import socket; socket.create_connection(
	    ('127.0.0.1', $port), 0.2)" 2>/dev/null && break
	sleep 0.1
done
for f in "$T_WORK"/own/*.twill; do
	if grep -q '^extend_with require' "$f" &&
	    ! grep -Eq '^(extend_with [^r]|run |getinput|getpassword)' "$f"; then
		grep -Ev '^(extend_with require|require |no_require|skip_require|flush_visited)' \
		    "$f" >"${f%.twill}-norequire.twill"
	fi
done
for f in "$T_WORK"/own/*.twill; do
	b=$(basename "$f")
	d=$T_WORK/own-$b
	mkdir -p "$d"
	rm -rf "$d/run"
	cp -a "$T_WORK/own" "$d/run"
	run_both "$d" -u "http://127.0.0.1:$port/" "$b"
	ko=$(kong_outcome "$d/K")
	to=$(twill_outcome "$d/T")
	if [ "$ko" = "$to" ]; then
		verdict=same
	elif [ -n "${own_known[$b]:-}" ]; then
		verdict="known: ${own_known[$b]}"
	else
		verdict="**DIFFERENT**"
	fi
	own_rows+=("| $b | $ko | $to | $verdict |")
done

echo "$("$KONG" --version 2>&1 | head -1) against twill" \
    "$twill_version, $(date -u +%Y-%m-%d)."
echo
echo "### Kong's script tests"
echo
echo "$same same, $known known differences, $differ unexplained" \
    "differences; $skipped cases not run under twill (Kong-only)."
echo
echo "| case | name | kong | twill | verdict |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "### twill's own tests/*.twill (against its tests/server.py)"
echo
echo "| script | kong | twill | verdict |"
echo "|---|---|---|---|"
printf '%s\n' "${own_rows[@]}"
