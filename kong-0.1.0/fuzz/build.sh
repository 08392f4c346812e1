#!/bin/sh
# build.sh: build the libFuzzer targets with clang (ASan + UBSan + fuzzer
# coverage on every library source), into fuzz/bin/. Needs clang and
# libclang-rt-14-dev. Run from a configured tree (config.h): make fuzz.
#
#   fuzz/bin/fuzz-twill -max_total_time=60 fuzz/corpus/twill
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/fuzz/bin
mkdir -p "$out"
cc=${CC_FUZZ:-clang}
flags="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined"
inc="-I$top/include -I$top -I$top/src $(pkg-config --cflags libevent_core libcurl libpcre2-8 inih libxml-2.0 jansson)"
libs="$(pkg-config --libs libevent_core libevent_extra libcurl libpcre2-8 inih libxml-2.0 jansson) -lm"
objs=
for f in "$top"/src/*.c; do
	case $(basename "$f") in main.c) continue ;; esac
	o=$out/$(basename "$f" .c).o
	$cc $flags $inc -c "$f" -o "$o"
	objs="$objs $o"
done
for t in "$top"/fuzz/fuzz-*.c; do
	name=$(basename "$t" .c)
	$cc $flags -fsanitize=fuzzer $inc "$t" $objs $libs -o "$out/$name"
	echo "built $out/$name"
done
