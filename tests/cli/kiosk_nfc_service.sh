#!/usr/bin/env bash
# kiosk_nfc_service: a technician's service card on the real NFC reader path (lk_nfc -> libnfc
# pn532_uart -> pn532-sim hosting the card of `kioskctl card make-service`) opens diagnostics in
# the headless kiosk on attract: the reader's idle look reads the token (never as a document),
# the PIN opens the menu. With the card still on the reader, the status page shows the
# kiosk's own libnfc reader (probed on a worker through the reader it holds open) and the
# test-card self-test reads the card. A card left on the reader after exit does not reopen
# diagnostics; a card signed by another key is refused.
set -euo pipefail
: "${KIOSKCTL:?}" "${LK_BUILD_DIR:?}"
KIOSK=${KIOSK:-$LK_BUILD_DIR/tools/kiosk/kiosk}
# shellcheck source=../support/sims.sh
source "$LK_SOURCE_DIR/tests/support/sims.sh"
work=$(mktemp -d)
sim_pid=
cleanup() {
    if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export LIBNFC_AUTO_SCAN=false LIBNFC_INTRUSIVE_SCAN=false LIBNFC_LOG_LEVEL=0
unset LIBNFC_DEFAULT_DEVICE LIBNFC_DEVICE LK_SECRET_FILE LK_STATE_DIR LK_ADMIN_PUBKEY LK_NOW LK_LOG_FILE
mkdir "$work/state"
export LK_DB=$work/state/k.db
k() { timeout 30 "$KIOSKCTL" "$@"; }

k bundle keygen "$work/admin.key" "$work/state/admin.pub" >/dev/null
k bundle keygen "$work/other.key" "$work/other.pub" >/dev/null
k service-card make --key "$work/admin.key" --tech T-077 --expires +30 -o "$work/token.bin" >/dev/null
k service-card make --key "$work/other.key" --tech T-078 --expires +30 -o "$work/foreign.bin" >/dev/null
k card make-service --payload "$work/token.bin" -o "$work/service.card" >/dev/null
k card make-service --payload "$work/foreign.bin" -o "$work/foreign.card" >/dev/null
pin=$(echo 482913 | k service-card pin-hash --iterations 10000 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])')
k config set service.pin_hash "$pin" >/dev/null

lk_pn532_sim_start "$work"
k config set nfc.device "pn532_uart:$pty" >/dev/null

cat >"$work/nfc.script" <<'S'
wait attract
reader service service.card
wait diag_pin 15000
type 482913
tap ok
wait diag_menu
tap status
wait diag_status
wait-row nfc-reader normal 20000
shot status-nfc
tap back
wait diag_menu
tap selftests
wait diag_selftest
# test5 is test-card (lk_diag_selftest_names order)
tap test5
wait-result passed 20000
shot test-card
tap back
wait diag_menu
tap exit
wait attract
# Still on the reader: not read again.
sleep 1500
wait attract
reader remove
sleep 600
reader service foreign.card
wait diag_refused 15000
tap ok
wait attract
reader remove
S
timeout 90 "$KIOSK" --headless --fast --devices real --camera sim --face sim --printer sim \
    --pn532-control "$work/sim.sock" --script "$work/nfc.script" --shots "$work/shots" \
    2>"$work/kiosk.err" || { cat "$work/kiosk.err" >&2; fail "kiosk failed"; }
ls "$work/shots" | grep -q diag_menu || fail "no diagnostics menu: $(ls "$work/shots")"
ls "$work/shots" | grep -q diag_refused || fail "foreign card not refused: $(ls "$work/shots")"

k audit list --limit 1000 >"$work/audit.jsonl"
python3 - "$work/audit.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if len(rows) == 1 and isinstance(rows[0], dict) and "rows" in rows[0]:
    rows = rows[0]["rows"]
ev = [(r.get("actor"), r.get("action") or r.get("event")) for r in rows]
assert ev.count(("tech:T-077", "diag.card")) == 1, ev
assert ("tech:T-077", "service.enter") in ev, ev
assert ("tech:T-077", "diag.exit") in ev, ev
assert ("tech:?", "service.refused") in ev, ev
tests = [json.loads(r["detail"]) if isinstance(r.get("detail"), str) else r.get("detail")
         for r in rows if (r.get("action") or r.get("event")) == "diag.selftest"]
assert any(t and t.get("name") == "test-card" and t.get("outcome") == "passed" for t in tests), tests
PY
echo "kiosk_nfc_service: ok"
