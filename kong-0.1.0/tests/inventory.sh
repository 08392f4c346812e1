#!/bin/bash
# inventory.sh: malformed inventories and templates (tests/inventories/*) must
# each be refused by kong lint with exit status 2 and the expected messages
# at the right FILE:LINE[:COL]; nothing may crash. Each case is NAME.ini or
# a directory NAME/ (its kong.ini, or all its *.ini), and NAME.expect lists
# lines that must each start a line of standard error, in order. TAP output.
: "${top_srcdir:=.}" "${KONG:=./kong}"
cd "$top_srcdir/tests/inventories" || exit 99
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }

for expect in *.expect; do
	name=${expect%.expect}
	if [ -d "$name" ]; then
		target=$name
		[ -f "$name/kong.ini" ] && target=$name/kong.ini
	else
		target=$name.ini
	fi
	err=$($KONG_WRAPPER "$KONG" lint -c "$target" 2>&1 >/dev/null)
	rc=$?
	where="tests/inventories/$expect:1: $name"
	if [ "$rc" -ne 2 ]; then
		notok "$where: exit status $rc, expected 2"
		printf '%s\n' "$err" | sed 's/^/# /' | head -20
		continue
	fi
	# Every expected line must start some line of stderr, in order.
	rest=$err
	missing=
	while IFS= read -r want || [ -n "$want" ]; do
		[ -n "$want" ] || continue
		found=$(printf '%s\n' "$rest" | grep -n -F -- "$want" | head -1)
		line=${found%%:*}
		got=
		[ -n "$found" ] && got=$(printf '%s\n' "$rest" | sed -n "${line}p")
		if [ -z "$found" ] || [ "${got#"$want"}" = "$got" ]; then
			missing=$want
			break
		fi
		rest=$(printf '%s\n' "$rest" | sed "1,${line}d")
	done < "$expect"
	if [ -n "$missing" ]; then
		notok "$where: no line starting with: $missing"
		printf '%s\n' "$err" | sed 's/^/# got: /' | head -20
	else
		ok "$where"
	fi
done

# Nothing crashes on an empty file, a binary file or random bytes: any
# exit status below 128 is fine, as long as lint and check both answer.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/empty.ini"
head -c 65536 /dev/urandom > "$tmp/random.ini"
printf '\xef\xbb\xbf[site a]\nurl = http://a.test/\n' > "$tmp/bom.ini"
for f in empty random bom; do
	for cmd in lint list "check --dry-run"; do
		$KONG_WRAPPER "$KONG" $cmd -c "$tmp/$f.ini" >/dev/null 2>&1
		rc=$?
		if [ "$rc" -lt 128 ]; then
			ok "tests/inventory.sh:$LINENO: kong $cmd on $f.ini exits $rc"
		else
			notok "tests/inventory.sh:$LINENO: kong $cmd on $f.ini crashed ($rc)"
		fi
	done
done
$KONG_WRAPPER "$KONG" list -c "$tmp/bom.ini" --sites >/dev/null 2>&1 &&
    ok "tests/inventory.sh:$LINENO: a UTF-8 BOM is accepted" ||
    notok "tests/inventory.sh:$LINENO: a UTF-8 BOM is refused"
echo "1..$n"
exit 0
