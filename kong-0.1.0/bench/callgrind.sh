#!/usr/bin/env bash
# callgrind.sh: instructions (valgrind --tool=callgrind, Ir) per compiled script, per rendered+compiled pair and
# per executed Twill step, each as the difference between two runs that differ only in the repetition count.
#
# usage: bench/callgrind.sh [-b BUILD_DIR] [-o OUTDIR]
#
# BUILD_DIR (default /tmp/kong-bench) is a built copy of Kong: its kong, libkong.a and tests/kong-testsite are
# used; bench/compile-bench.c is compiled against its libkong.a into OUTDIR. Steps run under `kong run -q`
# against kong-testsite (a news vhost, front page ~30 KB) on a free loopback port. Counts are Ir totals from
# the callgrind out files (startup, loading and the first fetch cancel out in the difference).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
B=/tmp/kong-bench OUT=/tmp/kong-callgrind.$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
  case $1 in -b) B=$2; shift 2 ;; -o) OUT=$2; shift 2 ;; *) echo "usage: $0 [-b BUILD_DIR] [-o OUTDIR]" >&2; exit 2 ;; esac
done
mkdir -p "$OUT"; work=$(mktemp -d /tmp/kong-cg-work.XXXXXX)
KONG=$B/kong

# The driver, linked exactly like the kong binary.
deps_cflags=$(sed -n 's/^DEPS_CFLAGS = //p' "$B/Makefile") deps_libs=$(sed -n 's/^DEPS_LIBS = //p' "$B/Makefile")
# shellcheck disable=SC2086
gcc -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Wno-unused-parameter -I"$B/include" -I"$B" $deps_cflags \
  -o "$OUT/compile-bench" "$here/compile-bench.c" "$B/libkong.a" $deps_libs

# ir CMD...: total instructions of CMD under callgrind.
ir() {
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" > "$work/cg.stdout" 2> "$work/cg.stderr" ||
    { echo "callgrind.sh: failed: $*" >&2; tail "$work/cg.stderr" >&2; exit 1; }
  awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.out"
}

printf '| what | runs compared | Ir (low) | Ir (high) | Ir per unit |\n|---|---|---|---|---|\n' > "$OUT/callgrind.md"
# row WHAT UNITS LOW_IR HIGH_IR
row() {
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$(awk -v a="$3" -v b="$4" -v u="$5" 'BEGIN {printf "%.0f", (b - a) / u}')" >> "$OUT/callgrind.md"
  tail -1 "$OUT/callgrind.md" >&2
}

# --- compile only: the three sweep scripts and the kong run script, K = 1 vs 101.
"$here/mkinv" 10 8000 > "$work/inv10.ini"
for t in front slow search; do
  "$KONG" render -c "$work/inv10.ini" site0001 "$t" > "$work/$t.twill"
done
printf 'go http://news.test:8000/\ncode 200\nfind "Latest News"\nfollow "Read more"\ncode 200\n' > "$work/run.twill"
for t in front slow search run; do
  lo=$(ir "$OUT/compile-bench" compile "$work/$t.twill" 1); hi=$(ir "$OUT/compile-bench" compile "$work/$t.twill" 101)
  row "compile \`$t\` script ($(awk 'END {print NR}' "$work/$t.twill") lines: $(awk '{printf "%s%s", s, $1; s=", "}' "$work/$t.twill"))" "K = 1 vs 101" "$lo" "$hi" 100
  cp "$work/$t.twill" "$OUT/"
done
# --- render + compile of every pair, as kong check and kong lint do: 10 sites x 3 tests, K = 1 vs 11.
lo=$(ir "$OUT/compile-bench" plan "$work/inv10.ini" 1); hi=$(ir "$OUT/compile-bench" plan "$work/inv10.ini" 11)
row "render + compile one (site, test) pair of the sweep inventory (mean of the 3 tests)" "30 pairs x 1 vs x 11" "$lo" "$hi" 300
# --- kong lint: whole command per pair (load, render, compile, lint), 100 vs 1000 sites.
"$here/mkinv" 100 8000 > "$work/inv100.ini"; "$here/mkinv" 1000 8000 > "$work/inv1000.ini"
lo=$(ir "$KONG" lint -c "$work/inv100.ini"); hi=$(ir "$KONG" lint -c "$work/inv1000.ini")
row "\`kong lint\` per pair (inventory load + render + compile + lint)" "300 vs 3000 pairs" "$lo" "$hi" 2700

# --- executed steps, against kong-testsite.
"$B/tests/kong-testsite" --listen 127.0.0.1:0 --port-file "$work/port" --vhost news.test 2> "$work/testsite.err" &
tspid=$!
trap 'kill "$tspid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -1 "$work/port") url="http://news.test:$(head -1 "$work/port")/"
# script NAME HEAD REPEAT K: HEAD once, then REPEAT (a line or two) K times.
script() {
  { printf '%b' "$2"; for ((i = 0; i < $4; i++)); do printf '%b' "$3"; done; } > "$work/$1-$4.twill"
}
# step WHAT HEAD REPEAT KLO KHI: Ir per repeated step under kong run, split into compiling the line (each line is
# compiled once, before anything runs: compile-bench on the same two scripts) and executing it (the rest).
printf '\n| step (repeated in one script) | scripts compared | kong run Ir (low) | kong run Ir (high) | Ir per step | of which compile | execute |\n|---|---|---|---|---|---|---|\n' > "$OUT/steps.md"
step() {
  local what=$1 head=$2 rep=$3 klo=$4 khi=$5 lo hi clo chi
  script s "$head" "$rep" "$klo"; script s "$head" "$rep" "$khi"
  for k in "$klo" "$khi"; do
    "$KONG" run -q --resolve "news.test:$port:127.0.0.1" "$work/s-$k.twill" ||
      { echo "callgrind.sh: $work/s-$k.twill failed" >&2; exit 1; }
  done
  lo=$(ir "$KONG" run -q --resolve "news.test:$port:127.0.0.1" "$work/s-$klo.twill")
  hi=$(ir "$KONG" run -q --resolve "news.test:$port:127.0.0.1" "$work/s-$khi.twill")
  clo=$(ir "$OUT/compile-bench" compile "$work/s-$klo.twill" 1); chi=$(ir "$OUT/compile-bench" compile "$work/s-$khi.twill" 1)
  awk -v w="$what" -v k="$klo vs $khi lines" -v a="$lo" -v b="$hi" -v c="$clo" -v d="$chi" -v u=$((khi - klo)) 'BEGIN {
    printf "| %s | %s | %s | %s | %.0f | %.0f | %.0f |\n", w, k, a, b, (b - a) / u, (d - c) / u, ((b - a) - (d - c)) / u }' >> "$OUT/steps.md"
  tail -1 "$OUT/steps.md" >&2
}
front="go $url\ncode 200\n"
for rep in 1 2; do
  step "\`find \"Latest News\"\` on the ~30 KB front page (match near the top) [repeat $rep]" "$front" 'find "Latest News"\n' 1 101
  step "\`notfind zzzz\` on the front page (scans the whole page) [repeat $rep]" "$front" 'notfind zzzz\n' 1 101
  step "\`find \"Latest News\" i\` (case-insensitive) [repeat $rep]" "$front" 'find "Latest News" i\n' 1 101
  step "\`code 200\` [repeat $rep]" "$front" 'code 200\n' 1 101
  step "\`title news\` [repeat $rep]" "$front" 'title news\n' 1 101
  step "\`go\` front page (~30 KB, keep-alive connection) [repeat $rep]" "$front" "go $url\n" 1 11
  step "\`go\` front page + \`follow \"Read more\"\` (parses the page's links, fetches a 2 KB story) [repeat $rep]" "$front" \
    "go $url\nfollow \"Read more\"\n" 1 11
done
cat "$OUT/callgrind.md" "$OUT/steps.md"
