#!/usr/bin/env bash
# run.sh: time `kong run -j 64` of 1,000 script runs against kong-testsite next to curl --parallel fetching the same URLs.
#
# usage: bench/run.sh [-k KONG] [-t TESTSITE] [-r RUNS] [-j JOBS] [-o OUTDIR]
#
# One kong-testsite on a free loopback port serves 10 news vhosts (news01.test .. news10.test). Each script run
# is the same small check: go to a vhost's front page (~30 KB), code 200, find "Latest News", follow
# "Read more" (the first story), code 200. Three ways, alternated, RUNS times each:
#   kong-files   1,000 script files (100 per vhost), each its own file: `kong run -j 64 FILE...`
#   kong-same    one script file named 1,000 times (kong run runs every argument, repeats included)
#   curl         the same 2,000 URLs (front page + story per run) by `curl --parallel --parallel-max 64`
# Measured: wall, user+sys CPU, peak RSS (GNU time), and the test site's CPU meanwhile. Every kong run must
# end with "1000 of 1000 files SUCCEEDED." and every curl response must be 200.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
KONG=${KONG:-/tmp/kong-bench/kong}
TESTSITE=${TESTSITE:-$(dirname "$KONG")/tests/kong-testsite}
RUNS=5 JOBS=64 NRUNS=1000 NV=10
OUT=/tmp/kong-run-bench.$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
  case $1 in
    -k) KONG=$2; shift 2 ;; -t) TESTSITE=$2; shift 2 ;; -r) RUNS=$2; shift 2 ;; -j) JOBS=$2; shift 2 ;;
    -o) OUT=$2; shift 2 ;; *) echo "usage: $0 [-k KONG] [-t TESTSITE] [-r RUNS] [-j JOBS] [-o OUTDIR]" >&2; exit 2 ;;
  esac
done
[ -x "$KONG" ] && [ -x "$TESTSITE" ] || { echo "run.sh: need $KONG and $TESTSITE" >&2; exit 2; }
mkdir -p "$OUT"; work=$(mktemp -d /tmp/kong-run-work.XXXXXX)
tck=$(getconf CLK_TCK)
vh=(); for ((v = 1; v <= NV; v++)); do vh+=(--vhost "$(printf 'news%02d.test' "$v")"); done
"$TESTSITE" --listen 127.0.0.1:0 --port-file "$work/port" --pid-file "$work/pid" "${vh[@]}" 2> "$work/testsite.err" &
tspid=$!
trap 'kill "$tspid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -1 "$work/port")
echo "run.sh: kong-testsite pid $tspid on 127.0.0.1:$port, $NV vhosts; out $OUT" >&2

# The scripts: file i goes to vhost (i mod NV) + 1.
mkdir -p "$work/scripts"
files=()
for ((i = 0; i < NRUNS; i++)); do
  f=$(printf '%s/scripts/run%04d.twill' "$work" "$i")
  h=$(printf 'news%02d.test' $((i % NV + 1)))
  printf 'go http://%s:%d/\ncode 200\nfind "Latest News"\nfollow "Read more"\ncode 200\n' "$h" "$port" > "$f"
  printf 'url = "http://%s:%d/"\noutput = "/dev/null"\nurl = "http://%s:%d/news/1"\noutput = "/dev/null"\n' \
    "$h" "$port" "$h" "$port" >> "$work/curl.cfg"
  files+=("$f")
done
same=(); for ((i = 0; i < NRUNS; i++)); do same+=("${files[0]}"); done
cat "${files[0]}" > "$OUT/script.twill"

site_cpu() { cut -d' ' -f14,15 "/proc/$tspid/stat" | awk -v t="$tck" '{printf "%.2f", ($1 + $2) / t}'; }

# measure TOOL RUN CMD...: one raw row.
measure() {
  local tool=$1 r=$2 s0 s1 ok; shift 2
  s0=$(site_cpu)
  /usr/bin/time -f '%e\t%U\t%S\t%M' -o "$work/time" "$@" > "$work/stdout" 2> "$work/stderr" || true
  s1=$(site_cpu)
  case $tool in
    curl) ok=$(grep -c '^200$' "$work/stdout" || true); ok="$ok of $((2 * NRUNS)) got 200" ;;
    *) ok=$(tail -1 "$work/stdout") ;;
  esac
  printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$r" "$(tail -1 "$work/time")" "$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.2f", b - a}')" "$ok"
}

raw=$OUT/run-raw.tsv
printf 'tool\trun\twall_s\tuser_s\tsys_s\trss_kb\ttestsite_cpu_s\tresult\n' > "$raw"
for ((r = 1; r <= RUNS; r++)); do
  measure kong-files "$r" "$KONG" run -j "$JOBS" --resolve "*:$port:127.0.0.1" "${files[@]}" >> "$raw"
  measure kong-same "$r" "$KONG" run -j "$JOBS" --resolve "*:$port:127.0.0.1" "${same[@]}" >> "$raw"
  measure curl "$r" curl -s --no-progress-meter -K "$work/curl.cfg" --parallel --parallel-immediate --parallel-max "$JOBS" \
    --resolve "*:$port:127.0.0.1" -w '%{http_code}\n' >> "$raw"
  tail -3 "$raw" | sed "s/^/$(date +%T) /" >&2
done
cp "$work/testsite.err" "$OUT/" 2>/dev/null || true

python3 - "$raw" "$NRUNS" "$JOBS" <<'EOF' | tee "$OUT/run-table.md"
import csv, statistics as st, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t")); n = int(sys.argv[2]); j = sys.argv[3]
print(f"| tool | runs | wall s (median) [range] | script runs/s | CPU s (user+sys) | CPU ms/script run | peak RSS MB | test site CPU s | every run ok |")
print("|---|---|---|---|---|---|---|---|---|")
for tool in ("kong-files", "kong-same", "curl"):
    rs = [r for r in rows if r["tool"] == tool]
    w = [float(r["wall_s"]) for r in rs]; cpu = st.median(float(r["user_s"]) + float(r["sys_s"]) for r in rs)
    ok = all(r["result"] in (f"{n} of {n} files SUCCEEDED.", f"{2 * n} of {2 * n} got 200") for r in rs)
    name = {"kong-files": f"`kong run -j {j}`, {n} files", "kong-same": f"`kong run -j {j}`, 1 file x {n}",
            "curl": f"`curl --parallel --parallel-max {j}`, {2 * n} URLs"}[tool]
    print(f"| {name} | {len(rs)} | {st.median(w):.2f} [{min(w):.2f}-{max(w):.2f}] | {n / st.median(w):,.0f} | {cpu:.2f} "
          f"| {1000 * cpu / n:.3f} | {st.median(int(r['rss_kb']) for r in rs) / 1024:.1f} "
          f"| {st.median(float(r['testsite_cpu_s']) for r in rs):.2f} | {'yes' if ok else 'NO'} |")
EOF
