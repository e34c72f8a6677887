#!/usr/bin/env bash
# registry_sync.sh: `kioskctl sync` against the registry-sim binary over HTTPS on a free
# loopback port (the port comes from the simulator's first line of stdout): a full sync, an
# incremental one after a revocation, `sync --full` re-reading the feed, a print through the
# CUPS rig (tools/cups-rig) reported to the registry exactly once with its stock serial, a pin
# mismatch refused, the JSON summary and exit codes, and nothing of a document number in the
# database, the audit log or any request the registry received.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
: "${LK_BUILD_DIR:?LK_BUILD_DIR must point at the build tree}"
# shellcheck source=../support/sims.sh
source "$LK_SOURCE_DIR/tests/support/sims.sh"
work=$(mktemp -d)
chmod 0755 "$work" # cupsd's filters run as lp and must reach the rig
rig="$LK_SOURCE_DIR/tools/cups-rig"
sim_pid=
cleanup() {
    "$rig" stop "$work/rig" >/dev/null 2>&1 || true
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

# --full: the whole feed again from an empty cursor; nothing is lost, the revocation stands.
before=$(sqlite3 "$LK_DB" 'SELECT count(*) FROM licenses')
out=$($K sync --full) || fail "full resync exited $?"
[[ $(echo "$out" | json ok) == true ]] || fail "full resync not ok: $out"
[[ $(echo "$out" | json full) == true ]] || fail "--full did not start from an empty cursor: $out"
[[ $(echo "$out" | json pages) -ge 3 ]] || fail "--full read fewer pages than the feed has: $out"
[[ $(echo "$out" | json revocations) -ge 1 ]] || fail "--full did not see the revocation: $out"
[[ $(echo "$out" | json inserted) == 0 ]] || fail "--full inserted licenses it had: $out"
[[ $(sqlite3 "$LK_DB" 'SELECT count(*) FROM licenses') == "$before" ]] ||
    fail "--full changed the number of licenses"
$K records show "$uscc" | grep -q '"status":"revoked"' || fail "record 9 approved again by --full"
out=$($K sync) || fail "sync after --full exited $?"
[[ $(echo "$out" | json full) == false && $(echo "$out" | json upserts) == 0 ]] ||
    fail "the cursor after --full is not at the end: $out"

# A print through the journal (kioskctl print on the CUPS rig, overlay on serial stock) is
# reported once: the registry holds one report naming the license, the copy, the time and the
# sheet. The first answer is lost after the registry stored it: the retry is a duplicate.
eval "$("$rig" start "$work/rig")"
$K config set printer.name "$LK_PRINTER" >/dev/null
puscc=
for i in $(seq 20 60); do
    u=$(ctl "record?index=$i" | json uscc)
    $K records show "$u" | grep -q '"status":"approved"' && puscc=$u && break
done
[[ -n $puscc ]] || fail "no approved record to print"
$K stock load --tray main --media a3 --first SN0000101 --last SN0000105 >/dev/null
printed=$($K print "$puscc" --copy original --overlay) || fail "print: $printed"
serial=$(echo "$printed" | json stock_serial)
[[ $serial == SN0000101 ]] || fail "print did not take a stock serial: $printed"
printed_at=$(sqlite3 "$LK_DB" "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, 'unixepoch')
    FROM print_jobs WHERE state = 'completed' AND stock_serial = '$serial'")
ctl 'fault?kind=reset_after&count=1&path=/v1/prints' >/dev/null
out=$($K sync) || fail "sync delivering the report exited $?: $out"
[[ $(echo "$out" | json reports_sent) == 0 && $(echo "$out" | json reports_duplicate) == 1 &&
    $(echo "$out" | json reports_pending) == 0 ]] ||
    fail "the report was not delivered once through a lost answer: $out"
ctl reports | python3 -c '
import json, sys
uscc, serial, when = sys.argv[1:4]
reps = json.load(sys.stdin)["reports"]
assert len(reps) == 1, reps
r = reps[0]
assert (r["uscc"], r["copy"], r["copy_no"]) == (uscc, "original", 1), r
assert r["stock_serial"] == serial and r["printed_at"] == when, (r, serial, when)
assert len(r["idempotency_key"]) == 32, r
' "$puscc" "$serial" "$printed_at" || fail "the registry does not hold exactly the one report"
[[ $(ctl stats | json report_posts) == 2 ]] || fail "report posts: $(ctl stats)"
out=$($K sync) || fail "sync after delivery exited $?"
[[ $(echo "$out" | json reports_sent) == 0 && $(ctl stats | json report_posts) == 2 ]] ||
    fail "a delivered report was sent again: $out"

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
ctl requests | grep -qi "$number" && fail "document number in a request the registry received"
$K audit verify >/dev/null || fail "audit chain broken"

exit $((failures > 0))
