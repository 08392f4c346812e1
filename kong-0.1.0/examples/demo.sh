#!/bin/sh
# demo.sh: the bundled demo. Starts the demo fleet (kong-testsite on port
# 18470 of 127.0.0.1 and 127.0.0.2, two "servers" with ten virtual sites,
# some broken on purpose), sweeps it with kong check, stops the fleet.
# Extra arguments go to kong check (e.g. --per-server, --site 'd*').
# The exit status is kong check's: 1, since some checks fail on purpose.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kong=${KONG:-$top/kong}
site=${TESTSITE:-$top/tests/kong-testsite}
port=18470
for f in "$kong" "$site"; do
	[ -x "$f" ] || { echo "demo.sh: $f is missing; build first (make)" >&2; exit 2; }
done
run=$(mktemp -d "${TMPDIR:-/tmp}/kong-demo.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# web1: every site well but three; web2: a broken deploy of "daily".
"$site" --listen 127.0.0.1:$port --label web1 --port-file "$run/web1" \
    --vhost daily.demo.test --vhost evening.demo.test \
    --vhost sport.demo.test:status=500 --vhost weather.demo.test:slow=3000 \
    --vhost shop.demo.test --vhost tickets.demo.test:badlogin \
    --vhost docs.demo.test --vhost status.demo.test:nonews \
    --vhost archive.demo.test --vhost labs.demo.test &
pids="$pids $!"
"$site" --listen 127.0.0.2:$port --label web2 --port-file "$run/web2" \
    --vhost daily.demo.test:status=502 --vhost evening.demo.test \
    --vhost shop.demo.test --vhost tickets.demo.test:badlogin \
    --vhost labs.demo.test &
pids="$pids $!"
i=0
while [ ! -s "$run/web1" ] || [ ! -s "$run/web2" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "demo.sh: the demo sites did not start (is port $port free?)" >&2
		exit 2
	fi
	sleep 0.05
done
# The shops' password is a secret: from the environment, never the inventory.
export KONG_SECRET_shop_password=${KONG_SECRET_shop_password:-secret}
"$kong" check -c "$top/examples/demo/kong.ini" --summary "$@"
