#!/usr/bin/env bash
# diag_nfc.sh: the diagnostics' NFC reader probe through libnfc's own pn532_uart driver against
# pn532-sim on a pty: unknown with a reason when nfc.device is empty, normal with libnfc's device
# name and chip firmware when the reader answers, fault when the configured reader is not there;
# the test-card self-test reports the card's technology, type and UID, and fails without a card.
set -euo pipefail
: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
work=$(mktemp -d)
SIM=$LK_BUILD_DIR/tools/pn532-sim
sim_pid=
trap 'exec 3>&- 2>/dev/null || true; [ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
k() { timeout 60 "$KIOSKCTL" --db "$work/k.db" "$@"; }
json() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }
probe() { python3 -c 'import json,sys; print(json.dumps(next(p for p in json.loads(sys.argv[1])["probes"] if p["name"]=="nfc-reader")))' "$1"; }
unset LK_PRINTER LIBNFC_DEFAULT_DEVICE
# Only the device named here: no USB scan, no serial probing, whatever /etc/nfc says.
export LIBNFC_AUTO_SCAN=false LIBNFC_INTRUSIVE_SCAN=false LIBNFC_LOG_LEVEL=1

out=$(k diag status) || true
p=$(probe "$out")
json "$p" 'd["status"]=="unknown" and "nfc.device" in d["reason"]' || fail "not configured: $p"

cat >"$work/a.card" <<'CARD'
type=iso14443a
uid=04A1B2C3
atqa=0044
sak=20
ats=0578807002
CARD
mkfifo "$work/in"
exec 3<>"$work/in"
"$SIM" --card "$work/a.card" <&3 >"$work/out" 2>"$work/err" &
sim_pid=$!
for _ in $(seq 50); do
    [[ -s $work/out ]] && break
    sleep 0.1
done
pty=$(head -n1 "$work/out")
[[ -c $pty ]] || fail "pn532-sim gave no pty ($(cat "$work/err"))"
k config set nfc.device "pn532_uart:$pty" >/dev/null
out=$(k diag status) || true
p=$(probe "$out")
json "$p" 'd["status"]=="normal" and d["detail"]["device"] and d["detail"]["connstring"].startswith("pn532_uart:")' ||
    fail "reader answering: $p"
json "$p" 'd["detail"]["firmware"].startswith("PN53")' || fail "no firmware version: $p"

out=$(k diag selftest test-card) || fail "test-card: $out"
json "$out" 'd["passed"] and d["technology"]=="iso14443a" and d["uid"]=="04A1B2C3" and d["atqa"]=="0044" and d["sak"]=="20" and d["iso14443_4"] and d["type"]=="ISO 14443-4 type A"' ||
    fail "test-card: $out"
[[ $(sqlite3 "$work/k.db" "SELECT count(*) FROM audit WHERE event='diag.selftest' AND detail LIKE '%test-card%passed%'") -eq 1 ]] ||
    fail "test-card not audited"
echo remove >&3
rc=0
out=$(LK_DIAG_CARD_WAIT_MS=1500 k diag selftest test-card) || rc=$?
[[ $rc -eq 1 ]] || fail "test-card without a card: exit $rc ($out)"
json "$out" 'not d["passed"] and "no card" in d["problem"]' || fail "test-card without a card: $out"

k config set nfc.device "pn532_uart:$work/no-such-tty" >/dev/null
out=$(k diag status) || true
p=$(probe "$out")
json "$p" 'd["status"]=="fault" and d["reason"]' || fail "reader missing: $p"
echo "diag_nfc.sh: all passed"
