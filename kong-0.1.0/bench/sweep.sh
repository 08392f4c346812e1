#!/usr/bin/env bash
# sweep.sh: time `kong check` sweeps of N fleet sites x 3 checks against curl --parallel fetching the same URLs, in the same run.
#
# usage: bench/sweep.sh [-k KONG] [-n "100 1000 10000"] [-l "0 50"] [-j "50 100 500"] [-r RUNS] [-R RUNS10K]
#                       [-o OUTDIR] [--no-side]
#
# Defaults: N = 100 1000 10000, latency 0 and 50 ms, C = 50 100 500, RUNS = 3 runs per configuration, RUNS10K = 1
# at N >= 10000. With the defaults it took 502 s on a loaded 2-core VM (bench/RESULTS.md). --no-side skips the
# side tables. KONG (default /tmp/kong-bench/kong) is an optimized build (see bench/RESULTS.md).
#
# Needs nginx + libnginx-mod-http-echo (bench/fleet-up), curl, jq, GNU time. Traffic stays on 127.0.0.1.
# Each fleet (one per latency) is a --name-only nginx fleet of max(N) sites on port 8000+L, started here if
# it is not already up with enough sites, and left running (bench/fleet-down stops it). Sites are reached by
# name; both kong and curl get the single resolve entry '*:PORT:127.0.0.1' (all that is needed). Kong's
# per-name resolve list is timed separately (table "resolve"), at N <= 1000, because it costs O(N) per check.
#
# Two side tables on the first fleet, C = 100: Kong's per-name resolve list (N <= 1000) and --per-server with
# every site on one server (kong check connects to the server's address with CURLOPT_CONNECT_TO).
#
# For every (latency, N, concurrency C) it runs kong and curl alternately, RUNS times each, under
# /usr/bin/time, and records wall, user, sys, peak RSS and the CPU the fleet's nginx workers used meanwhile;
# every run is verified (kong: run_end totals all pass; curl: 3N responses with code 200). Raw rows go to
# OUTDIR/raw.tsv, the tables (medians per metric) to OUTDIR/tables.md and standard output.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
KONG=${KONG:-/tmp/kong-bench/kong}
NS="100 1000 10000" LATS="0 50" CS="50 100 500" RUNS=3 RUNS10K=1 names=1
OUT=/tmp/kong-sweep.$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
  case $1 in
    -k) KONG=$2; shift 2 ;; -n) NS=$2; shift 2 ;; -l) LATS=$2; shift 2 ;; -j) CS=$2; shift 2 ;;
    -r) RUNS=$2; shift 2 ;; -R) RUNS10K=$2; shift 2 ;; -o) OUT=$2; shift 2 ;; --no-side) names=0; shift ;;
    *) echo "usage: $0 [-k KONG] [-n NS] [-l LATS] [-j CS] [-r RUNS] [-R RUNS10K] [-o OUTDIR] [--no-side]" >&2; exit 2 ;;
  esac
done
[ -x "$KONG" ] || { echo "sweep.sh: no kong binary at $KONG (build an optimized copy, see bench/RESULTS.md)" >&2; exit 2; }
mkdir -p "$OUT"; work=$(mktemp -d /tmp/kong-sweep-work.XXXXXX); trap 'rm -rf "$work"' EXIT
raw=$OUT/raw.tsv lat_tsv=$OUT/latency.tsv
printf 'lat\tn\tc\ttool\trun\twall_s\tuser_s\tsys_s\trss_kb\tnginx_cpu_s\tother_cpu_s\tok\tchecks\tmean_check_ms\n' > "$raw"
printf 'lat\tn_sampled\tmean_ms\tmax_ms\tfront_ms\tslow_ms\tsearch_ms\n' > "$lat_tsv"
nmax=0; for n in $NS; do [ "$n" -gt "$nmax" ] && nmax=$n; done
tck=$(getconf CLK_TCK)

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

# fleet_up L: make sure a name-only fleet with >= nmax sites and latency L runs on port 8000+L.
fleet_up() {
  local l=$1 d=/tmp/bench-fleet/lat$1 have=0
  if [ -f "$d/nginx.pid" ] && kill -0 "$(cat "$d/nginx.pid")" 2>/dev/null; then
    have=$(grep -vc '^#' "$d/sites.tsv" || true)
    if [ "$have" -ge "$nmax" ]; then log "fleet lat$l: reusing the running fleet ($have sites)"; return; fi
    "$here/fleet-down" "$d" >&2
  fi
  log "fleet lat$l: starting $nmax sites"
  "$here/fleet-up" -n "$nmax" -l "$l" --name-only -d "$d" >&2
}

# nginx_cpu L: CPU seconds used so far by the nginx workers of fleet L.
nginx_cpu() {
  local m; m=$(cat "/tmp/bench-fleet/lat$1/nginx.pid")
  pgrep -P "$m" | while read -r p; do cut -d' ' -f14,15 "/proc/$p/stat"; done |
    awk -v t="$tck" '{s += $1 + $2} END {printf "%.2f", s / t}'
}

# curl_cfg N PORT: a curl config fetching the 3N URLs of the inventory, bodies to /dev/null.
curl_cfg() {
  local n=$1 port=$2 i
  for ((i = 1; i <= n; i++)); do
    printf 'url = "http://site%04d.test:%d/"\noutput = "/dev/null"\n' "$i" "$port"
    printf 'url = "http://site%04d.test:%d/slow"\noutput = "/dev/null"\n' "$i" "$port"
    printf 'url = "http://site%04d.test:%d/search?q=kong"\noutput = "/dev/null"\n' "$i" "$port"
  done
}

# machine_cpu: CPU seconds the whole machine has been busy (all CPUs, /proc/stat: user..steal minus idle, iowait).
machine_cpu() {
  awk -v t="$tck" '$1 == "cpu" {printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / t; exit}' /proc/stat
}

# measure LAT N C TOOL RUN CMD...: run CMD under GNU time; print the first columns of a raw row (the caller adds
# ok, checks, mean check ms). other_cpu_s is what the rest of the machine (neither CMD nor nginx) used meanwhile.
measure() {
  local l=$1 n=$2 c=$3 tool=$4 r=$5; shift 5
  local c0 c1 m0 m1 t
  c0=$(nginx_cpu "$l"); m0=$(machine_cpu)
  /usr/bin/time -f '%e\t%U\t%S\t%M' -o "$work/time" "$@" > "$work/stdout" 2> "$work/stderr" || true
  m1=$(machine_cpu); c1=$(nginx_cpu "$l")
  t=$(tail -1 "$work/time")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s' "$l" "$n" "$c" "$tool" "$r" "$t" \
    "$(awk -v t="$t" -v a="$c0" -v b="$c1" -v x="$m0" -v y="$m1" 'BEGIN {split(t, f, "\t"); o = y - x - (b - a) - f[2] - f[3]
      printf "%.2f\t%.2f", b - a, o < 0 ? 0 : o}')"
}

# Unloaded check latency of fleet L: 30 sites spread over the fleet, each site's 3 URLs one after the other.
latency() {
  local l=$1 port=$((8000 + $1)) i s
  for ((i = 0; i < 30; i++)); do
    s=$(printf 'site%04d.test' $((1 + i * (nmax - 1) / 29)))
    curl -s --resolve "*:$port:127.0.0.1" -o /dev/null -o /dev/null -o /dev/null -w '%{url}\t%{http_code}\t%{time_total}\n' \
      "http://$s:$port/" "http://$s:$port/slow" "http://$s:$port/search?q=kong"
  done | awk -v l="$l" -F'\t' '
    $2 != 200 { bad++ }
    { ms = $3 * 1000; sum += ms; k++; if (ms > max) max = ms
      if ($1 ~ /slow$/) { ss += ms; sk++ } else if ($1 ~ /search/) { rs += ms; rk++ } else { fs += ms; fk++ } }
    END { if (bad) { print "latency: " bad " responses not 200" > "/dev/stderr"; exit 1 }
          printf "%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", l, k, sum / k, max, fs / fk, ss / sk, rs / rk }'
}

log "kong: $KONG ($($KONG --version 2>&1 | head -1)); out: $OUT"
for l in $LATS; do
  fleet_up "$l"
  port=$((8000 + l))
  latency "$l" >> "$lat_tsv"
  log "lat$l: unloaded check latency $(tail -1 "$lat_tsv" | cut -f3) ms (mean of 3 URLs x 30 sites)"
  for n in $NS; do
    "$here/mkinv" "$n" "$port" > "$work/inv.ini"
    curl_cfg "$n" "$port" > "$work/curl.cfg"
    runs=$RUNS; [ "$n" -ge 10000 ] && runs=$RUNS10K
    for c in $CS; do
      for ((r = 1; r <= runs; r++)); do
        rm -f "$work/log.jsonl"
        row=$(measure "$l" "$n" "$c" kong "$r" "$KONG" check -c "$work/inv.ini" --resolve "*:$port:127.0.0.1" \
          -j "$c" --log "$work/log.jsonl" -q)
        tot=$(jq -r 'select(.record=="run_end") | "\(.totals.pass)\t\(.totals.pairs)"' "$work/log.jsonl")
        mean=$(jq -r 'select(.record=="result") | .duration_us' "$work/log.jsonl" | awk '{s += $1; k++} END {printf "%.2f", s / k / 1000}')
        printf '%s\t%s\t%s\n' "$row" "$tot" "$mean" >> "$raw"
        [ "$(cut -f1 <<<"$tot")" = $((3 * n)) ] || { log "KONG FAILURES: lat$l N=$n C=$c run $r: $tot"; cp "$work/log.jsonl" "$OUT/fail-lat$l-n$n-c$c-r$r.jsonl"; cp "$work/stderr" "$OUT/fail-lat$l-n$n-c$c-r$r.stderr"; }
        row=$(measure "$l" "$n" "$c" curl "$r" curl -s --no-progress-meter -K "$work/curl.cfg" --parallel --parallel-immediate \
          --parallel-max "$c" --resolve "*:$port:127.0.0.1" -w '%{http_code}\n')
        ok=$(grep -c '^200$' "$work/stdout" || true)
        printf '%s\t%s\t%s\t\n' "$row" "$ok" $((3 * n)) >> "$raw"
        [ "$ok" = $((3 * n)) ] || log "CURL FAILURES: lat$l N=$n C=$c run $r: $ok of $((3 * n)) got 200"
        log "lat$l N=$n C=$c run $r: $(tail -2 "$raw" | cut -f4,6-13 | tr '\n' ' ')"
      done
    done
  done
done

# Kong's per-name resolve list: one HOST:PORT:ADDR entry per site (what an inventory of real names would list)
# next to the single wildcard entry, same fleet, same run.
if [ "$names" = 1 ]; then
  l=$(set -- $LATS; echo "$1") port=$((8000 + l))
  for n in 100 300 1000; do
    [ "$n" -le "$nmax" ] || continue
    "$here/mkinv" "$n" "$port" > "$work/inv.ini"; "$here/mkinv" "$n" "$port" names > "$work/invn.ini"
    for ((r = 1; r <= RUNS; r++)); do
      for mode in wildcard names; do
        rm -f "$work/log.jsonl"
        if [ $mode = wildcard ]; then
          row=$(measure "$l" "$n" 100 kong-resolve-wildcard "$r" "$KONG" check -c "$work/inv.ini" --resolve "*:$port:127.0.0.1" -j 100 --log "$work/log.jsonl" -q)
        else
          row=$(measure "$l" "$n" 100 kong-resolve-names "$r" "$KONG" check -c "$work/invn.ini" -j 100 --log "$work/log.jsonl" -q)
        fi
        tot=$(jq -r 'select(.record=="run_end") | "\(.totals.pass)\t\(.totals.pairs)"' "$work/log.jsonl")
        printf '%s\t%s\t\n' "$row" "$tot" >> "$raw"
        log "resolve $mode N=$n run $r: $(tail -1 "$raw" | cut -f6-13 | tr '\n' ' ')"
      done
    done
  done
fi

# --per-server: every site on one server, next to the same inventory checked without --per-server.
if [ "$names" = 1 ]; then
  l=$(set -- $LATS; echo "$1") port=$((8000 + l))
  for n in 100 1000; do
    [ "$n" -le "$nmax" ] || continue
    "$here/mkinv" "$n" "$port" server > "$work/invs.ini"
    for ((r = 1; r <= RUNS; r++)); do
      for mode in plain per-server; do
        rm -f "$work/log.jsonl"
        ps=(); [ $mode = per-server ] && ps=(--per-server)
        row=$(measure "$l" "$n" 100 "kong-server-$mode" "$r" "$KONG" check -c "$work/invs.ini" --resolve "*:$port:127.0.0.1" \
          -j 100 --log "$work/log.jsonl" -q "${ps[@]}")
        tot=$(jq -r 'select(.record=="run_end") | "\(.totals.pass)\t\(.totals.pairs)"' "$work/log.jsonl")
        printf '%s\t%s\t\n' "$row" "$tot" >> "$raw"
        log "server $mode N=$n run $r: $(tail -1 "$raw" | cut -f6-13 | tr '\n' ' ')"
      done
    done
  done
fi

"$here/sweep-report" "$OUT" | tee "$OUT/tables.md"
