#!/usr/bin/env bash
# registry_sync.sh: `kioskctl sync` against the registry-sim binary over HTTPS on a free
# loopback port (the port comes from the simulator's first line of stdout): a full sync, an
# incremental one after a revocation, a pin mismatch refused, the JSON summary and exit codes,
# and nothing of a document number in the database or the audit log.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
: "${LK_BUILD_DIR:?LK_BUILD_DIR must point at the build tree}"
# shellcheck source=../support/sims.sh
source "$LK_SOURCE_DIR/tests/support/sims.sh"
work=$(mktemp -d)
sim_pid=
cleanup() {
    if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
# One top-level scalar of a one-line JSON object (our own flat output: no nesting to parse).
json() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }

export LK_DB=$work/kiosk.db LK_ACTOR=registry-test
K=$KIOSKCTL
lk_registry_sim_start "$work" 300 3
$K config set registry.page_size 100 >/dev/null

out=$($K sync) || fail "full sync exited $?"
[[ $(echo "$out" | json ok) == true ]] || fail "full sync not ok: $out"
[[ $(echo "$out" | json upserts) == 300 ]] || fail "full sync upserts: $out"
[[ $(echo "$out" | json pages) == 3 ]] || fail "full sync pages: $out"
[[ $(echo "$out" | json full) == true ]] || fail "first sync is not full: $out"

uscc=$(ctl 'record?index=9' | json uscc)
number=$(ctl 'record?index=9' | json number)
ctl 'reapprove?index=9' >/dev/null
$K sync >/dev/null
$K records show "$uscc" | grep -q '"status":"approved"' || fail "record 9 not approved locally"
ctl 'revoke?index=9&reason=test' >/dev/null
out=$($K sync) || fail "incremental sync exited $?"
[[ $(echo "$out" | json revocations) == 1 ]] || fail "revocation not applied: $out"
[[ $(echo "$out" | json full) == false ]] || fail "incremental sync ran full: $out"
$K records show "$uscc" | grep -q '"status":"revoked"' || fail "record 9 not revoked locally"

# A 503 then a reset: retried, and the summary counts the retries.
ctl 'fault?kind=5xx&count=1&path=/v1/changes' >/dev/null
out=$($K sync) || fail "sync through a 503 exited $?"
[[ $(echo "$out" | json retries) -ge 1 ]] || fail "no retry counted: $out"

# Pin mismatch: refused, exit 1, the reason in the JSON.
$K config set registry.pin_sha256 "$(cat "$work/other-pin.txt")" >/dev/null
set +e
out=$($K sync)
rc=$?
set -e
[[ $rc == 1 ]] || fail "pin mismatch exited $rc"
echo "$out" | grep -q 'pinned public key' || fail "pin mismatch reason missing: $out"
$K config set registry.pin_sha256 "$(cat "$work/pin.txt")" >/dev/null
$K sync >/dev/null || fail "sync with the right pin failed"

$K sync --bogus >/dev/null 2>&1 && fail "bad option accepted"
[[ $($K sync --bogus >/dev/null 2>&1; echo $?) == 2 ]] || fail "bad option is not a usage error"

# No identity number from the feed anywhere on disk or in the audit log.
for f in "$work"/kiosk.db*; do
    if grep -qa "$number" "$f"; then fail "document number found in $(basename "$f")"; fi
done
$K audit list | grep -q "$number" && fail "document number in the audit log"
$K audit verify >/dev/null || fail "audit chain broken"

exit $((failures > 0))
