#!/bin/sh
# build.sh: an optimized build of this tree (-O2 -g, no debug checks) in
# /tmp/kong-bench (or $1), the build every benchmark here uses by default.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/kong-bench}
rm -rf "$out"
mkdir -p "$out"
cd "$top"
{ git ls-files; git ls-files --others --exclude-standard; } | grep -v '^fuzz/bin/' |
    tar -cf - -T - | tar -xf - -C "$out"
cd "$out"
autoreconf -fi >/dev/null 2>&1
./configure -q CFLAGS="-O2 -g"
make -j2 >/dev/null
echo "$(git -C "$top" rev-parse --short HEAD)$(git -C "$top" diff --quiet || echo +changes)" > "$out/BUILD"
echo "built $out/kong ($(cat "$out/BUILD"))"
