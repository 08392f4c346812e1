#!/bin/sh
# scripts.sh: the data-driven Twill script tests (tests/scripts/*.test, in
# the format described at the top of tests/scripts-lib.sh): each case runs
# `kong run` against one loopback test site and checks its exit status,
# standard output and standard error. Prints TAP; each line names the case's
# file and line.
#
#   tests/scripts.sh [FILE.test...]     default: every tests/scripts/*.test
#
# Environment: KONG (the binary), TESTSITE, top_srcdir; KONG_WRAPPER, a
# command put before kong, e.g.
#   KONG_WRAPPER="valgrind -q --leak-check=full \
#       --errors-for-leak-kinds=definite,indirect --error-exitcode=99"
# (a valgrind wrapper gets --suppressions=tests/valgrind.supp added, for
# PCRE2's JIT; any output on stderr or exit 99 fails the case);
# SCRIPTS_JOBS, cases run at once (default 2); SCRIPTS_FILTER, an extended
# regex: only cases whose name matches run; SCRIPTS_TIMEOUT, seconds a
# case may take (default 20, 300 with a KONG_WRAPPER).
#
# Only loopback traffic (127.0.0.1; port 1 for refused connections).

# automake runs this with /bin/sh; the driver needs bash.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${KONG:=$top_builddir/kong}"
: "${SCRIPTS_JOBS:=2}"
: "${SCRIPTS_FILTER:=}"
: "${KONG_WRAPPER:=}"
case $KONG_WRAPPER in
valgrind*--suppressions=*) ;;
valgrind*) KONG_WRAPPER="valgrind --suppressions=$(cd "$top_srcdir" &&
    pwd)/tests/valgrind.supp${KONG_WRAPPER#valgrind}";;
esac
if [ -n "$KONG_WRAPPER" ]; then
	: "${SCRIPTS_TIMEOUT:=300}"
else
	: "${SCRIPTS_TIMEOUT:=20}"
fi
. "$top_srcdir/tests/testsite-lib.sh"
. "$top_srcdir/tests/scripts-lib.sh"

LC_ALL=C.UTF-8
export LC_ALL
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
case $KONG in /*) ;; *) KONG=$PWD/$KONG;; esac

T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/kong-scripts.XXXXXX") || exit 99
trap 'testsite_stop_all; rm -rf "$T_WORK"' EXIT

if [ $# -eq 0 ]; then
	set -- "$top_srcdir"/tests/scripts/*.test
fi

tests_site_root "$T_WORK/site" || exit 99
testsite_start --root "$T_WORK/site" ||
    { echo "Bail out! the test site did not start"; exit 99; }
T_PORT=$TESTSITE_PORT
T_HOST=127.0.0.1:$T_PORT
T_SITE=http://$T_HOST
export SITE=$T_SITE

tests_parse "$@"

# Run case $1 in its directory: out, err and rc beside it.
run_case() {
	local d=${T_DIR[$1]}
	if ! tests_setup "$1" "$d/run"; then
		echo 99 >"$d/rc"
		return
	fi
	(
		cd "$d/run" || exit 99
		eval "set -- ${T_ARGS[$1]}"
		exec timeout -k 5 "$SCRIPTS_TIMEOUT" $KONG_WRAPPER "$KONG" run \
		    "$@" </dev/null >"$d/out" 2>"$d/err"
	)
	echo $? >"$d/rc"
	if [ -f "$d/check" ]; then
		(cd "$d/run" && bash -e -x "$d/check") >"$d/check.out" 2>&1
		echo $? >"$d/check.rc"
	fi
}

# Which cases run; which are skipped for want of a program.
selected=()
declare -A skip
for ((i = 0; i < T_N; i++)); do
	if [ -n "$SCRIPTS_FILTER" ] && ! [[ ${T_NAME[i]} =~ $SCRIPTS_FILTER ]]
	then
		continue
	fi
	selected+=("$i")
	for c in ${T_NEEDS[i]}; do
		command -v "$c" >/dev/null 2>&1 || skip[$i]="$c is not installed"
	done
done

# Run them, SCRIPTS_JOBS at a time (not "wait" alone: the site is a job).
pids=()
for i in "${selected[@]}"; do
	[ -z "${skip[$i]:-}" ] || continue
	while [ "${#pids[@]}" -ge "$SCRIPTS_JOBS" ]; do
		wait -n "${pids[@]}"
		live=()
		for p in "${pids[@]}"; do
			kill -0 "$p" 2>/dev/null && live+=("$p")
		done
		pids=("${live[@]}")
	done
	run_case "$i" &
	pids+=("$!")
done
[ "${#pids[@]}" -eq 0 ] || wait "${pids[@]}"

n=0
failed=0
for i in "${selected[@]}"; do
	n=$((n + 1))
	d=${T_DIR[i]}
	where="${T_FILE[i]}:${T_LINE[i]}: ${T_NAME[i]}"
	if [ -n "${skip[$i]:-}" ]; then
		echo "ok $n - $where # SKIP ${skip[$i]}"
		continue
	fi
	read -r rc <"$d/rc"
	{
		if [ -f "$d/setup.out" ] && [ "$rc" = 99 ]; then
			echo "# setup failed:"
			sed 's/^/#   | /' "$d/setup.out"
		elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			echo "# kong run timed out after $SCRIPTS_TIMEOUT s"
		elif [ "$rc" != "${T_EXIT[i]}" ]; then
			echo "# exit status $rc, expected ${T_EXIT[i]}"
			if [ ! -f "$d/stdout" ]; then
				echo "# stdout:"
				head -n 30 "$d/out" | sed 's/^/#   | /'
			fi
		fi
		[ ! -f "$d/stdout" ] || tests_compare "$d/stdout" "$d/out" stdout
		if [ -f "$d/stderr" ]; then
			tests_compare "$d/stderr" "$d/err" stderr
		elif [ -s "$d/err" ]; then
			echo "# stderr should be empty; it is:"
			head -n 30 "$d/err" | sed 's/^/#   | /'
		fi
		if [ -f "$d/check.rc" ] && [ "$(cat "$d/check.rc")" != 0 ]; then
			echo "# check failed:"
			head -n 30 "$d/check.out" | sed 's/^/#   | /'
		fi
	} >"$d/diag"
	if [ -s "$d/diag" ]; then
		failed=$((failed + 1))
		echo "not ok $n - $where"
		cat "$d/diag"
	else
		echo "ok $n - $where"
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ] || echo "# $failed of $n failed"
exit 0
