#!/usr/bin/env bash
# service_card.sh: technician entry: the service-card payload (made with the admin key) is
# verified against the pinned key; tampered, foreign and expired cards are refused; a PIN
# opens diagnostics; 5 wrong PINs lock them for 15 minutes, and the lock survives a restart
# (every kioskctl call is a new process); every attempt is audited with the technician's id.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LK_DB LK_SECRET_FILE LK_STATE_DIR LK_ADMIN_PUBKEY LK_NOW
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
k() { timeout 60 "$KIOSKCTL" "$@"; }
json() {
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
cd "$work"
mkdir kiosk
export LK_DB=$work/kiosk/kiosk.db
k bundle keygen admin.key kiosk/admin.pub >/dev/null
k bundle keygen other.key other.pub >/dev/null

out=$(k service-card make --key admin.key --tech T-007 --expires +30 -o card.bin) || fail "make: $out"
json "$out" 'd["tech"]=="T-007" and d["bytes"]==91' || fail "make: $out"
[[ $(head -c 5 card.bin | od -An -c | tr -d ' ') == LKSC001 ]] || fail "payload header"
out=$(k service-card inspect card.bin) || fail "inspect: $out"
json "$out" 'd["valid"] and d["tech"]=="T-007"' || fail "inspect: $out"

enter() { # CARD PIN EXPECTED-REASON [LK_NOW]
    local out rc=0
    out=$(echo "$2" | LK_NOW=${4:-} k service-card enter --card "$1") || rc=$?
    json "$out" "d['reason']=='$3'" || fail "enter $1 with $2: expected $3: $out"
    if [[ $3 == ok ]]; then [[ $rc -eq 0 ]] || fail "enter ok but exit $rc"; fi
    if [[ $3 != ok ]]; then [[ $rc -eq 1 ]] || fail "enter $3 but exit $rc"; fi
    last=$out
}
# Cards that must not open anything, whatever the PIN.
cp card.bin tampered.bin
printf 'X' | dd of=tampered.bin bs=1 seek=7 conv=notrunc status=none # T-007 -> T-X07
k service-card make --key other.key --tech T-007 --expires +30 -o foreign.bin >/dev/null
k service-card make --key admin.key --tech T-007 --issued 2020-01-01 --expires 2020-01-02 \
    -o expired.bin >/dev/null
head -c 50 card.bin >short.bin
enter card.bin 1234 no-pin-set
# 10,000 iterations (the floor) keep the test quick; the kiosk default is 200,000.
pin=$(echo 482913 | k service-card pin-hash --iterations 10000 | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])')
k config set service.pin_hash "$pin" >/dev/null
for c in tampered foreign short; do enter $c.bin 482913 bad-card; done
enter expired.bin 482913 expired
k service-card inspect foreign.bin >/dev/null && fail "foreign card inspected valid"
enter card.bin 482913 ok
# Four wrong, then right: the count starts again.
for i in 1 2 3 4; do enter card.bin 000000 wrong-pin; done
json "$last" 'd["attempts_left"]==1' || fail "after 4 wrong: $last"
enter card.bin 482913 ok
json "$last" 'd["attempts_left"]==5' || fail "after a right PIN: $last"
# Five wrong: locked; the right PIN is refused in a new process; 15 minutes later it works.
# The clock is pinned (LK_NOW) so a slow machine cannot move the boundary.
t0=$(date +%s)
for i in 1 2 3 4 5; do enter card.bin 1111 wrong-pin $t0; done
json "$last" '"locked_until" in d and d["attempts_left"]==0' || fail "fifth wrong PIN: $last"
enter card.bin 482913 locked $((t0 + 1))
out=$(LK_NOW=$((t0 + 1)) k service-card lock)
json "$out" 'd["locked"]' || fail "lock state: $out"
enter card.bin 482913 locked $((t0 + 899))
enter card.bin 482913 ok $((t0 + 900))
out=$(LK_NOW=$((t0 + 900)) k service-card lock)
json "$out" 'not d["locked"] and d["failures"]==0' || fail "lock after: $out"

# The audit log names the technician on every judged attempt and stays intact.
actors=$(sqlite3 "$LK_DB" "SELECT DISTINCT actor || ' ' || event FROM audit WHERE event LIKE 'service.%'" | sort | tr '\n' ';')
for want in "tech:T-007 service.enter" "tech:T-007 service.pin-wrong" "tech:T-007 service.refused" "tech:? service.refused"; do
    [[ $actors == *"$want;"* ]] || fail "no audit '$want' (have $actors)"
done
k audit verify >/dev/null || fail "audit chain"
# The PIN itself is never stored or logged.
if sqlite3 "$LK_DB" .dump | grep -q 482913; then fail "PIN found in the database"; fi

for c in "service-card" "service-card make --tech x" "service-card enter" "service-card frob"; do
    rc=0
    # shellcheck disable=SC2086
    k $c >/dev/null 2>&1 </dev/null || rc=$?
    [[ $rc -eq 2 ]] || fail "'$c' exited $rc, expected 2"
done
if [[ $failures -ne 0 ]]; then
    echo "service_card.sh: $failures failure(s)" >&2
    exit 1
fi
echo "service_card.sh: all passed"
