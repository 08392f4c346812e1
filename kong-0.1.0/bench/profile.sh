#!/usr/bin/env bash
# profile.sh: where kong check spends its CPU in a sweep: perf (cpu-clock sampling, DWARF call graphs) of one
# sweep of N fleet sites x 3 checks, then the top symbols by self time and Kong's functions by inclusive time.
#
# usage: bench/profile.sh [-k KONG] [-n N] [-l LAT] [-j C] [-o OUTDIR]     (default: N=1000, 0 ms fleet, C=100)
#
# Needs a running fleet (bench/sweep.sh or bench/fleet-up --name-only starts one) and perf. The machine has no
# hardware counters (a VM), so perf samples the cpu-clock software event. libcurl has no symbols here: its
# frames show as addresses; bench/RESULTS.md says which functions they are.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
KONG=${KONG:-/tmp/kong-bench/kong} N=1000 L=0 C=100 OUT=/tmp/kong-profile.$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
  case $1 in -k) KONG=$2; shift 2 ;; -n) N=$2; shift 2 ;; -l) L=$2; shift 2 ;; -j) C=$2; shift 2 ;; -o) OUT=$2; shift 2 ;;
    *) echo "usage: $0 [-k KONG] [-n N] [-l LAT] [-j C] [-o OUTDIR]" >&2; exit 2 ;; esac
done
mkdir -p "$OUT"; port=$((8000 + L))
"$here/mkinv" "$N" "$port" > "$OUT/inv.ini"
rm -f "$OUT/log.jsonl"
perf record -q -e cpu-clock -F 2999 --call-graph dwarf,16384 -o "$OUT/perf.data" -- \
  "$KONG" check -c "$OUT/inv.ini" --resolve "*:$port:127.0.0.1" -j "$C" --log "$OUT/log.jsonl" -q || true
jq -c 'select(.record=="run_end") | .totals' "$OUT/log.jsonl"
set +o pipefail	# head closes the pipes early
perf report -i "$OUT/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | grep -v '^#' | head -12 \
  > "$OUT/by-dso.txt"
perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null | grep '%' | grep -v '^#' |
  head -40 > "$OUT/self.txt"
perf report -i "$OUT/perf.data" --children --sort dso,symbol --stdio -g none 2>/dev/null | grep '%' | grep -v '^#' |
  grep -E ' kong |libcurl.*curl_|libxml2|pcre2|jansson' | head -60 > "$OUT/inclusive.txt"
perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio -G 2>/dev/null > "$OUT/callers.txt"
echo "== self time by library"; cat "$OUT/by-dso.txt"
echo "== self time by symbol (top 40)"; cat "$OUT/self.txt"
echo "== inclusive time, Kong and named library entry points"; cat "$OUT/inclusive.txt"
# libcurl has no symbols here; these address ranges are its connection-cache scans in Debian 12's libcurl4
# 7.88.1-10+deb12u15 (read from its disassembly: Curl_conncache_foreach as called by curl_multi_remove_handle,
# Curl_conncache_extract_oldest, Curl_hash_next_element). Other builds: skipped.
if [ "$(dpkg-query -W -f '${Version}' libcurl4 2>/dev/null)" = 7.88.1-10+deb12u15 ]; then
  echo "== libcurl connection-cache scans (self time)"
  perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null | python3 -c '
import sys
r = {"Curl_conncache_foreach (from curl_multi_remove_handle)": 0.0, "Curl_conncache_extract_oldest": 0.0,
     "Curl_hash_next_element": 0.0}
for line in sys.stdin:
    p = line.split()
    if len(p) < 4 or "libcurl.so" not in p[1] or not p[0].endswith("%") or not p[3].startswith("0x"):
        continue
    a, pct = int(p[3], 16), float(p[0][:-1])
    for k, lo, hi in (("Curl_conncache_foreach (from curl_multi_remove_handle)", 0x19140, 0x19230),
                      ("Curl_conncache_extract_oldest", 0x19330, 0x19500), ("Curl_hash_next_element", 0x30370, 0x303d0)):
        if lo <= a < hi:
            r[k] += pct
for k, v in r.items():
    print(f"    {v:5.1f}%  {k}")
print(f"    {sum(r.values()):5.1f}%  in all")'
fi
echo "(call chains of every symbol: $OUT/callers.txt)"
