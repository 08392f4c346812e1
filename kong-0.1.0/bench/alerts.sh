#!/usr/bin/env bash
# alerts.sh: what alerting costs a sweep: kong check of N sites x 1 check
# against the loopback test site, with a reference kong built without
# alerting, in the same session, runs alternated.
#
# usage: bench/alerts.sh REF_KONG NEW_KONG [N] [RUNS]
#
# Two scenarios per binary: every check passes (alerting only updates each
# pair's state), and every check fails twice in a row (the second run
# decides N new failures: one message for each site's manager, one for the
# admin listing all N, and a webhook-less outbox; no smtp, so nothing is
# sent and only the deciding is timed). Prints wall and user+sys seconds,
# median of RUNS (default 3), per binary and scenario.
set -euo pipefail
ref=${1:?usage: bench/alerts.sh REF_KONG NEW_KONG [N] [RUNS]}
new=${2:?usage: bench/alerts.sh REF_KONG NEW_KONG [N] [RUNS]}
n=${3:-2000} runs=${4:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
site=${TESTSITE:-$here/tests/kong-testsite}
work=$(mktemp -d /tmp/kong-bench-alerts.XXXXXX)
"$site" --root "$here/tests/site" --port-file "$work/port" >/dev/null 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -s "$work/port" ]; do sleep 0.05; done
port=$(cat "$work/port")
mkinv() {	# DIR pass|fail
	mkdir -p "$1"
	{
		printf '[kong]\nadmins = ops@example.com\nconcurrency = 100\n\n'
		printf '[type news]\n\n[test front]\ntypes = news\nbody =\n'
		printf '    go {{ site.url }}\n    code 200\n'
		[ "$2" = fail ] && printf '    find "No Such Text"\n'
		printf '\n'
		for ((i = 1; i <= n; i++)); do
			printf '[site s%05d]\nurl = http://127.0.0.1:%d/\ntype = news\n' "$i" "$port"
			printf 'managers = m%05d@example.com\n\n' "$i"
		done
	} > "$1/kong.ini"
}
# one BIN DIR: wall and cpu seconds of one kong check, on stdout.
one() {
	/usr/bin/time -f '%e %U %S' -o "$work/t" "$1" check -c "$2" -q >/dev/null 2>&1 || true
	tail -1 "$work/t" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf 'N = %d sites, %d runs each, medians\n' "$n" "$runs"
printf '| scenario | binary | wall s | cpu s |\n|---|---|---|---|\n'
for scen in pass fail; do
	for r in $(seq "$runs"); do
		for b in ref new; do
			bin=$ref; [ $b = new ] && bin=$new
			d=$work/$scen-$b-$r
			mkinv "$d" $scen
			one "$bin" "$d" > /dev/null	# first run: state (fail: failing once)
			one "$bin" "$d" >> "$work/$scen-$b"
		done
	done
	for b in ref new; do
		w=$(cut -d' ' -f1 "$work/$scen-$b" | median)
		c=$(cut -d' ' -f2 "$work/$scen-$b" | median)
		printf '| %s | %s | %s | %s |\n' "$scen" "$b" "$w" "$c"
	done
done
