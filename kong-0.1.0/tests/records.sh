#!/bin/bash
# records.sh: a sweep of the bundled demo writes the same records as the
# reference in tests/records/, field by field, apart from what changes from
# run to run (times, durations, run ids, the host and versions). Guards
# refactors: the engine may change shape, its output may not.
#
# The demo fleet is started as examples/demo.sh does, but on a free port;
# the inventory is the demo's with that port. UPDATE=1 rewrites the
# reference from the current build (review the diff before committing).
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-records.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/records.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/records.sh:${BASH_LINENO[0]}: $3"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed 's/^/# /' | head -40
	fi
}

# The demo's two servers, as examples/demo.sh starts them.
testsite_start --listen 127.0.0.1:0 --label web1 \
    --vhost daily.demo.test --vhost evening.demo.test \
    --vhost sport.demo.test:status=500 --vhost weather.demo.test:slow=3000 \
    --vhost shop.demo.test --vhost tickets.demo.test:badlogin \
    --vhost docs.demo.test --vhost status.demo.test:nonews \
    --vhost archive.demo.test --vhost labs.demo.test || exit 99
P=$TESTSITE_PORT
testsite_start --listen 127.0.0.2:$P --label web2 \
    --vhost daily.demo.test:status=502 --vhost evening.demo.test \
    --vhost shop.demo.test --vhost tickets.demo.test:badlogin \
    --vhost labs.demo.test || { echo "1..0 # SKIP 127.0.0.2:$P is taken"; exit 0; }
mkdir -p "$tmp/demo"
cp -r "$top_srcdir/examples/demo/tests" "$tmp/demo/"
sed "s/18470/$P/g; s/^log = .*/log = results.jsonl/" \
    "$top_srcdir/examples/demo/kong.ini" > "$tmp/demo/kong.ini"

# What stays the same from run to run: the records without times,
# durations, ids, host, pid and versions; result records sorted by pair.
normalize() {
	jq -r -S -c --arg port "$P" --arg dir "$tmp/demo/" '
	    def clean: walk(if type == "string" then
		gsub(":" + $port; ":PORT") | ltrimstr($dir)
	    elif type == "object" then to_entries | sort_by(.key) | from_entries
	    else . end);
	    if .record == "result" then
		del(.run, .start, .duration_us)
		| .steps |= map(del(.dns_us, .connect_us, .tls_us, .first_byte_us, .total_us))
		| if .tries then .tries |= map(del(.duration_us)) else . end
	    elif .record == "run_start" then
		del(.run, .time, .host, .pid, .versions, .inventory)
	    else
		del(.run, .time, .duration_us)
	    end | clean
	    | [(if .record == "run_start" then 0 elif .record == "result" then 1 else 2 end),
	       ([.site, .test, .server] | map(. // "-") | join(" ")), tojson]
	    | map(tostring) | join("\t")' "$1" |
	sort -t "$(printf '\t')" -k1,1n -k2,2 | cut -f3-
}

export KONG_SECRET_shop_password=secret	# as examples/demo.sh sets it
for mode in plain per-server; do
	rm -f "$tmp/demo/results.jsonl"
	args=
	[ $mode = per-server ] && args=--per-server
	"$KONG" check -c "$tmp/demo" -q $args
	rc=$?
	got=$(normalize "$tmp/demo/results.jsonl")
	if [ -n "${UPDATE:-}" ]; then
		printf '%s\n' "$got" > "$top_srcdir/tests/records/demo-$mode.jsonl"
		echo "$rc" > "$top_srcdir/tests/records/demo-$mode.status"
	fi
	is "$rc" "$(cat "$top_srcdir/tests/records/demo-$mode.status")" "$mode sweep: the same exit status"
	want=$(cat "$top_srcdir/tests/records/demo-$mode.jsonl")
	is "$(printf '%s\n' "$got" | wc -l)" "$(printf '%s\n' "$want" | wc -l)" "$mode sweep: the same number of records"
	# Field by field: one test point per record kind and pair.
	paste -d'\n' <(printf '%s\n' "$want") <(printf '%s\n' "$got") |
	while read -r w && read -r g; do
		name=$(jq -r '[.record, .site // empty, .test // empty, .server // empty] | join(" ")' <<< "$w")
		is "$g" "$w" "$mode: $name"
	done > "$tmp/points"
	while IFS= read -r line; do
		case $line in
		"ok "*|"not ok "*)
			n=$((n + 1))
			echo "${line/ [0-9]* - / $n - }" ;;
		*)	echo "$line" ;;
		esac
	done < "$tmp/points"
done
echo "1..$n"
