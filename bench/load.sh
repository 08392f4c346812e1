#!/usr/bin/env bash
# load.sh: kong bench against the load tools people use, on the same URL,
# in the same run (issue 12), plus its accuracy checks.
#
#   bench/build.sh && bench/fleet-up -n 10 -l 0 && bench/fleet-up -n 10 -l 50
#   bench/load.sh [-k KONG] [-d SECONDS] [-c CONNECTIONS] [-o DIR] [part...]
#
# Parts (default: all):
#   tools     wrk, hey, h2load (--h1), ab -k, autocannon and kong bench, each
#             -c connections for -d seconds on /health of the 0 ms fleet
#             (nginx, "ok", keep-alive): req/s, CPU us per request (user +
#             system of the client, /usr/bin/time), p50/p99, peak RSS
#   accuracy  the 50 ms fleet: p50/p99 of kong bench --sessions 1 against
#             curl timing 200 requests one at a time; an open loop at a fixed
#             rate under half of capacity, 30 s: achieved against asked
#   stall     kong-testsite stopped (SIGSTOP) for 1 s every 10 s during a
#             30 s open loop at 1000/s, at most 4 in flight (wrk2's classic
#             demonstration): kong's corrected and uncorrected p99 and p99.9
#             against autocannon -R (corrected) and -R -C (uncorrected). A
#             stall holds only the 4 requests in flight, 0.04 % of the
#             uncorrected samples, but 10 % of the intended starts
# autocannon comes from npm (npm install autocannon@7 in $AUTOCANNON_DIR,
# default /tmp/npm-ac); the others from Debian: wrk hey nghttp2-client
# apache2-utils. Raw outputs go to DIR; a TSV summary to standard output.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kong=/tmp/kong-bench/kong d=10 c=50 out=/tmp/kong-load
while getopts k:d:c:o: o; do
	case $o in
	k) kong=$OPTARG ;; d) d=$OPTARG ;; c) c=$OPTARG ;; o) out=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
parts=${*:-tools accuracy stall}
ac=${AUTOCANNON_DIR:-/tmp/npm-ac}/node_modules/.bin/autocannon
mkdir -p "$out"
host=site0001.test
url0=http://127.0.0.1:8000/health
tm() { /usr/bin/time -f '%U %S %M' -o "$1" "${@:2}"; }
# cpu FILE REQUESTS: client CPU microseconds per request.
cpu() { awk -v n="$2" '{ printf "%.1f", ($1 + $2) * 1e6 / n }' "$1"; }
rss() { awk '{ printf "%.0f", $3 / 1024 }' "$1"; }

inv() {		# inv PORT PATH BODY...: a one-site inventory
	local port=$1 path=$2
	shift 2
	{
		printf '[kong]\nresolve = %s:%s:127.0.0.1\ntimeout = 10s\n' "$host" "$port"
		printf '[site s]\nurl = http://%s:%s/\n[test t]\nsites = s\nbody =\n' "$host" "$port"
		printf '    go {{ site.url }}%s\n' "$path"
		for l in "$@"; do printf '    %s\n' "$l"; done
	} > "$out/bench.ini"
}

tools() {
	inv 8000 health 'code 200' 'find ok'
	printf 'tool\tmodel\treq/s\tCPU us/req\tp50 ms\tp99 ms\tpeak RSS MB\n'
	tm "$out/wrk.time" wrk -t1 -c"$c" -d"${d}s" --latency -H "Host: $host" "$url0" > "$out/wrk.out"
	n=$(awk '/requests in/ { print $1 }' "$out/wrk.out")
	printf 'wrk\tclosed, %s conns\t%s\t%s\t%s\t%s\t%s\n' "$c" \
	    "$(awk '/Requests\/sec/ { print $2 }' "$out/wrk.out")" "$(cpu "$out/wrk.time" "$n")" \
	    "$(awk '$1 == "50%" { print $2 }' "$out/wrk.out")" "$(awk '$1 == "99%" { print $2 }' "$out/wrk.out")" \
	    "$(rss "$out/wrk.time")"
	tm "$out/hey.time" hey -z "${d}s" -c "$c" -host "$host" "$url0" > "$out/hey.out"
	n=$(awk '/\[200\]/ { print $2 }' "$out/hey.out")
	printf 'hey\tclosed, %s conns\t%s\t%s\t%s\t%s\t%s\n' "$c" \
	    "$(awk '/Requests\/sec/ { print $2 }' "$out/hey.out")" "$(cpu "$out/hey.time" "$n")" \
	    "$(awk '/50% in/ { printf "%.3f", $3 * 1000 }' "$out/hey.out")" \
	    "$(awk '/99% in/ { printf "%.3f", $3 * 1000 }' "$out/hey.out")" "$(rss "$out/hey.time")"
	tm "$out/h2load.time" h2load --h1 -c "$c" -D "$d" -H ":authority: $host" "$url0" > "$out/h2load.out"
	n=$(awk '/^requests:/ { print $2 }' "$out/h2load.out")
	printf 'h2load --h1\tclosed, %s conns\t%s\t%s\t-\t-\t%s\n' "$c" \
	    "$(awk '/^finished in/ { sub(",", "", $4); print $4 }' "$out/h2load.out")" \
	    "$(cpu "$out/h2load.time" "$n")" "$(rss "$out/h2load.time")"
	tm "$out/ab.time" ab -k -q -c "$c" -t "$d" -n 10000000 -H "Host: $host" "$url0" > "$out/ab.out" 2>&1
	n=$(awk '/^Complete requests/ { print $3 }' "$out/ab.out")
	printf 'ab -k\tclosed, %s conns\t%s\t%s\t%s\t%s\t%s\n' "$c" \
	    "$(awk '/^Requests per second/ { print $4 }' "$out/ab.out")" "$(cpu "$out/ab.time" "$n")" \
	    "$(awk '$1 == "50%" { print $2 }' "$out/ab.out")" "$(awk '$1 == "99%" { print $2 }' "$out/ab.out")" \
	    "$(rss "$out/ab.time")"
	if [ -x "$ac" ]; then
		tm "$out/ac.time" "$ac" -j -c "$c" -d "$d" -H "Host=$host" "$url0" > "$out/ac.json" 2>/dev/null
		n=$(jq .requests.total "$out/ac.json")
		printf 'autocannon\tclosed, %s conns\t%s\t%s\t%s\t%s\t%s\n' "$c" \
		    "$(jq '.requests.total / .duration' "$out/ac.json")" "$(cpu "$out/ac.time" "$n")" \
		    "$(jq .latency.p50 "$out/ac.json")" "$(jq .latency.p99 "$out/ac.json")" "$(rss "$out/ac.time")"
	fi
	tm "$out/kong.time" "$kong" bench -c "$out/bench.ini" -q --sessions "$c" --duration "${d}s" --json "$out/kong.json"
	n=$(jq .cpu_requests "$out/kong.json")
	printf 'kong bench (go, code, find)\tclosed, %s sessions\t%s\t%s\t%s\t%s\t%s\n' "$c" \
	    "$(jq '.achieved_rate | floor' "$out/kong.json")" "$(cpu "$out/kong.time" "$n")" \
	    "$(jq '.all.percentiles_us.p50 / 1000' "$out/kong.json")" \
	    "$(jq '.all.percentiles_us.p99 / 1000' "$out/kong.json")" "$(rss "$out/kong.time")"
}

accuracy() {
	inv 8050 health 'code 200'
	: > "$out/curl50.txt"
	for i in $(seq 200); do
		curl -s -o /dev/null -w '%{time_total}\n' --resolve "$host:8050:127.0.0.1" "http://$host:8050/health" >> "$out/curl50.txt"
	done
	sort -n "$out/curl50.txt" | awk '{ v[NR] = $1 * 1000 } END {
	    printf "curl, 200 requests one at a time\tp50 %.3f ms\tp99 %.3f ms\n", v[int(NR * 0.5 + 0.5)], v[int(NR * 0.99 + 0.5)] }'
	"$kong" bench -c "$out/bench.ini" -q --sessions 1 --iterations 200 --json "$out/acc.json"
	jq -r '.all.percentiles_us | "kong bench --sessions 1, 200 iterations\tp50 \(.p50 / 1000) ms\tp99 \(.p99 / 1000) ms"' "$out/acc.json"
	# Capacity with 20 sessions on the 50 ms fleet is ~400/s: ask 150/s.
	"$kong" bench -c "$out/bench.ini" -q --rate 150 --duration 30s --json "$out/rate.json"
	jq -r '"kong bench --rate 150, 30 s\tachieved \(.achieved_rate)/s\t\(100 * (.achieved_rate - 150) / 150 | . * 100 | round / 100) %\tlate \(.late)\tdropped \(.dropped)"' "$out/rate.json"
}

stall() {
	"$top/tests/kong-testsite" --listen 127.0.0.1:0 --vhost "$host" --port-file "$out/stall.port" &
	site=$!
	sleep 0.5
	port=$(cat "$out/stall.port")
	inv "$port" health 'code 200'
	staller() {
		while kill -0 "$site" 2>/dev/null; do
			sleep 9; kill -STOP "$site"; sleep 1; kill -CONT "$site"
		done
	}
	staller &
	st=$!
	"$kong" bench -c "$out/bench.ini" -q --rate 1000 --max-in-flight 4 --duration 30s --json "$out/stall.json"
	jq -r '.all as $a | "kong bench --rate 1000, at most 4 in flight\tcorrected p99 \($a.percentiles_us.p99 / 1000) ms, p99.9 \($a.percentiles_us["p99.9"] / 1000) ms\tuncorrected p99 \($a.percentiles_uncorrected_us.p99 / 1000) ms, p99.9 \($a.percentiles_uncorrected_us["p99.9"] / 1000) ms\tlate \(.late)"' "$out/stall.json"
	if [ -x "$ac" ]; then
		"$ac" -j -c 4 -R 1000 -d 30 -H "Host=$host" "http://127.0.0.1:$port/health" > "$out/ac-co.json" 2>/dev/null
		"$ac" -j -c 4 -R 1000 -C -d 30 -H "Host=$host" "http://127.0.0.1:$port/health" > "$out/ac-raw.json" 2>/dev/null
		printf 'autocannon -R 1000 -c 4\tp99 %s ms, p99.9 %s ms\t-C: p99 %s ms, p99.9 %s ms\n' \
		    "$(jq .latency.p99 "$out/ac-co.json")" "$(jq '.latency.p99_9 // .latency["p99.9"]' "$out/ac-co.json")" \
		    "$(jq .latency.p99 "$out/ac-raw.json")" "$(jq '.latency.p99_9 // .latency["p99.9"]' "$out/ac-raw.json")"
	fi
	kill "$st" 2>/dev/null
	kill -CONT "$site" 2>/dev/null
	kill "$site"
	wait 2>/dev/null
}

for p in $parts; do
	echo "## $p"
	$p
done
