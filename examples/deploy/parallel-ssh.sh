#!/bin/sh
# examples/deploy/parallel-ssh.sh: one sweep over ssh with GNU parallel, one
# shard per host, then the merge here.
#
#   HOSTS=check1,check2,check3 sh parallel-ssh.sh /etc/kong kong.jsonl
#
# HOSTS is parallel's --sshlogin list: one shard at a time per host, or
# N/host for N at once; SHARDS (default: one per host) is how many shards.
# Every host needs kong and the same inventory at the same path (the
# inventory hash in each shard's run_start proves it was the same; kong
# merge refuses otherwise). The shards' logs come back on standard output
# (--log -), one file per shard here. HOSTS=4/: SHARDS=4 runs four shards
# side by side on this machine (tests/shard.sh does).
set -u
inv=${1:?usage: parallel-ssh.sh INVENTORY OUT.jsonl}
out=${2:?usage: parallel-ssh.sh INVENTORY OUT.jsonl}
hosts=${HOSTS:?set HOSTS to a comma-separated list of ssh logins}
kong=${KONG:-kong}
n=${SHARDS:-$(printf '%s\n' "$hosts" | tr ',' '\n' | grep -c .)}
run=${KONG_RUN_ID:-ssh-$(date -u +%Y%m%dT%H%M%SZ)-$$}
dir=$(mktemp -d "${TMPDIR:-/tmp}/kong-shards.XXXXXX") || exit 3
# The line itself: one job per shard, one host each, logs to $dir.
parallel --jobs 1 -S "$hosts" \
    --results "$dir/{}/" \
    "$kong" check -c "$inv" --shard {}/"$n" --run-id "$run" --log - --quiet \
    ::: $(seq 1 "$n")
# parallel's status counts the shards that failed checks (1) too; merge
# says whether the run is whole.
"$kong" merge -o "$out" $(for k in $(seq 1 "$n"); do echo "$dir/$k/stdout"; done)
rc=$?
rm -rf "$dir"
exit $rc
