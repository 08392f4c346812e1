# testsite-lib.sh: start and stop kong-testsite from a test script (POSIX sh).
#
# Source it, then:
#
#   testsite_start [ARGS...]  start a site in the background and wait until it
#                             accepts connections. By default it listens on a
#                             free port of 127.0.0.1 and serves the fixtures
#                             of $top_srcdir/tests/site; ARGS are passed on
#                             (--listen, --label, --vhost, --root, ...; a later
#                             --root wins). Sets TESTSITE_PID, TESTSITE_PORT
#                             (the first listener's), TESTSITE_PORTS (all, one
#                             a line) and TESTSITE_URL (http://127.0.0.1:PORT,
#                             meaningful with the default --listen).
#   testsite_stop [PID]       stop a site (default: the last one started) with
#                             SIGTERM and wait; returns its exit status (0).
#   testsite_stop_all         stop every site still running; for
#                             trap testsite_stop_all EXIT
#
# The binary is $TESTSITE, by default $top_builddir/tests/kong-testsite.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${TESTSITE:=$top_builddir/tests/kong-testsite}"
TESTSITE_PIDS=

# Start a site; see above. Returns 1 if it does not come up within 10 s.
testsite_start() {
	_ts_dir=$(mktemp -d "${TMPDIR:-/tmp}/kong-testsite.XXXXXX") || return 1
	"$TESTSITE" --root "$top_srcdir/tests/site" \
	    --port-file "$_ts_dir/port" "$@" &
	TESTSITE_PID=$!
	TESTSITE_PIDS="$TESTSITE_PIDS $TESTSITE_PID"
	_ts_tries=0
	while [ ! -s "$_ts_dir/port" ]; do
		if ! kill -0 "$TESTSITE_PID" 2>/dev/null; then
			echo "testsite_start: $TESTSITE $* exited" >&2
			testsite_stop "$TESTSITE_PID"
			rm -rf "$_ts_dir"
			return 1
		fi
		_ts_tries=$((_ts_tries + 1))
		if [ "$_ts_tries" -gt 200 ]; then
			echo "testsite_start: $TESTSITE $* did not start" >&2
			testsite_stop "$TESTSITE_PID"
			rm -rf "$_ts_dir"
			return 1
		fi
		sleep 0.05
	done
	# The file is renamed into place whole, so it is complete here.
	TESTSITE_PORTS=$(cat "$_ts_dir/port")
	TESTSITE_PORT=$(sed -n 1p "$_ts_dir/port")
	TESTSITE_URL=http://127.0.0.1:$TESTSITE_PORT
	rm -rf "$_ts_dir"
	return 0
}

# Stop a site with SIGTERM and wait for it; returns its exit status.
testsite_stop() {
	_ts_pid=${1:-$TESTSITE_PID}
	[ -n "$_ts_pid" ] || return 0
	kill -TERM "$_ts_pid" 2>/dev/null
	wait "$_ts_pid"
	_ts_rc=$?
	_ts_left=
	for _ts_p in $TESTSITE_PIDS; do
		[ "$_ts_p" = "$_ts_pid" ] || _ts_left="$_ts_left $_ts_p"
	done
	TESTSITE_PIDS=$_ts_left
	return $_ts_rc
}

# Stop every site started by testsite_start and not stopped yet.
testsite_stop_all() {
	for _ts_p in $TESTSITE_PIDS; do
		testsite_stop "$_ts_p"
	done
	return 0
}
