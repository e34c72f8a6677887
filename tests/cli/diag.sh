#!/usr/bin/env bash
# diag.sh: `kioskctl diag` as the technician's JSON: every probe in the device status model,
# adapters not in this build "unknown" with a reason, a broken audit chain turning the audit
# probe to fault (exit 1); self-tests run or say they are not available; counters by range
# (old counter names read as the new ones, dates checked); recent log lines.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LK_DB LK_SECRET_FILE LK_STATE_DIR LK_NOW LK_PRINTER
export LK_ACTOR=tech:T-9
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
k() { timeout 60 "$KIOSKCTL" "$@"; }
json() {
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
export LK_DB=$work/kiosk.db
k config set kiosk.id K-9 >/dev/null

out=$(k diag status) || fail "diag status exit $?: $out"
json "$out" 'set(p["name"] for p in d["probes"]) >= {"disk","database","audit","clock","software","configuration","usb","printer","nfc-reader","camera"}' ||
    fail "probe names: $out"
json "$out" 'all(p["status"] in ("unknown","normal","warning","fault","busy","disabled") for p in d["probes"])' ||
    fail "status model: $out"
json "$out" 'all(p["status"]=="unknown" and p["reason"] for p in d["probes"] if p["name"] in ("printer","nfc-reader","camera"))' ||
    fail "placeholders: $out"
json "$out" 'all(p["status"]=="normal" for p in d["probes"] if p["name"] in ("disk","database","audit","clock","software","configuration","usb"))' ||
    fail "healthy probes: $out"
json "$out" 'd["overall"]=="unknown"' || fail "overall: $out"

out=$(k diag selftest) || fail "selftest list"
json "$out" '{s["name"]:s["available"] for s in d["selftests"]}["voice-prompts"] is True' || fail "list: $out"
json "$out" '{s["name"]:s["available"] for s in d["selftests"]}["test-card"] is True' || fail "list: $out"
json "$out" '{s["name"]:s["available"] for s in d["selftests"]}["test-page"] is True' || fail "list: $out"
for t in database audit disk-write clock usb-enumerate; do
    out=$(k diag selftest $t) || fail "selftest $t: $out"
    json "$out" 'd["available"] and d["passed"]' || fail "selftest $t: $out"
done
# The test page runs through the printer port; with no printer configured it fails, saying why
# (tests/cli/diag_printer.sh prints one through the real rig).
rc=0
out=$(k diag selftest test-page) || rc=$?
[[ $rc -eq 1 ]] || fail "test-page without a printer: exit $rc"
json "$out" 'd["available"] and not d["passed"] and "printer.name" in d["problem"]' || fail "test-page: $out"
# capture-frame opens the camera (camera.source v4l2 by default): no camera here, so it fails
# (tests/cli/diag_camera.sh takes a frame from the file source).
rc=0
out=$(k diag selftest capture-frame) || rc=$?
[[ $rc -eq 1 ]] || fail "capture-frame without a camera: exit $rc"
json "$out" 'd["available"] and not d["passed"] and d["problem"]' || fail "capture-frame: $out"
# test-card and calibration-page need their reader and printer, and say which key is missing
# (diag_nfc.sh reads a card from pn532-sim; diag_printer.sh prints the page through the rig).
for t in "test-card nfc.device" "calibration-page printer.name"; do
    rc=0
    out=$(k diag selftest ${t% *}) || rc=$?
    [[ $rc -eq 1 ]] || fail "selftest $t: exit $rc"
    json "$out" "d['available'] and not d['passed'] and '${t#* }' in d['problem']" || fail "$t: $out"
done
# voice-prompts: a prompt folder as tools/make-voice lays it out (one PCM WAV per "voice.*"
# string of the real assets, both languages) passes; one prompt missing fails, naming it.
: "${LK_SOURCE_DIR:?}"
n_prompts=$(python3 - "$LK_SOURCE_DIR/assets/i18n" "$work/voice" <<'PY'
import json, os, sys, wave
i18n, out = sys.argv[1], sys.argv[2]
n = 0
for lang in ("zh-CN", "en"):
    os.makedirs(os.path.join(out, lang))
    for key in json.load(open(os.path.join(i18n, lang + ".json"), encoding="utf-8")):
        if key.startswith("voice."):
            with wave.open(os.path.join(out, lang, key[6:] + ".wav"), "wb") as w:
                w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
                w.writeframes(b"\0\0" * 2205)
            n += 1
print(n)
PY
)
out=$(LK_VOICE_DIR=$work/voice k diag selftest voice-prompts) || fail "voice-prompts: $out"
json "$out" "d['passed'] and d['prompts']==$n_prompts and d['prompts']>=30 and not d['problems']" ||
    fail "voice-prompts: $out"
rm "$work/voice/en/attract.wav"
rc=0
out=$(LK_VOICE_DIR=$work/voice k diag selftest voice-prompts) || rc=$?
[[ $rc -eq 1 ]] || fail "voice-prompts with a prompt missing: exit $rc"
json "$out" "not d['passed'] and d['problems']==['en/attract: missing']" || fail "voice-prompts: $out"
rc=0
k diag selftest frob >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "unknown selftest: exit $rc"
[[ $(sqlite3 "$LK_DB" "SELECT count(*) FROM audit WHERE event='diag.selftest' AND actor='tech:T-9'") -eq 11 ]] ||
    fail "selftests not audited with the technician"

# Counters. Their producers (the session, the print journal, the face policy) are exercised by
# unit.test_session, unit.test_diag and cli.kiosk_diag; here a database from before the one
# naming scheme: the names older versions wrote, totals and per-day rows, are read as what they
# meant (session.started -> sessions.started, failures.paper-jam -> failures.paper_jam, ...).
sqlite3 "$LK_DB" "INSERT INTO counters VALUES ('prints', 3), ('failures.paper-jam', 1), ('session.started', 4),
  ('session.timeout', 1), ('face.no-match', 2), ('rating.very_satisfied', 2), ('stock.remaining', 7);
  INSERT INTO counter_days VALUES ('2026-10-05','prints',2), ('2026-11-02','prints',4), ('2026-11-03','failures.out-of-paper',1),
  ('2026-11-03','session.started',2), ('2026-11-03','session.cancelled',1);"
# Paper stock is the stock ledger's (the stray counter above does not count).
k stock load --tray t1 --media a3 --count 100 >/dev/null || fail "stock load"
k stock load --tray t2 --media a4 --count 20 >/dev/null || fail "stock load"
out=$(k diag counters --from 2026-11-01 --to 2026-11-30) || fail "counters: $out"
json "$out" 'd["prints"]["in_range"]==4 and d["prints"]["per_month"]=={"2026-11":4} and d["prints"]["total"]==3' ||
    fail "counters in November: $out"
json "$out" 'd["failures"]["in_range"]=={"out_of_paper":1} and d["failures"]["total"]=={"paper_jam":1,"timeout":1}' ||
    fail "failures: $out"
json "$out" 'd["sessions"]["in_range"]=={"started":2,"completed":0,"abandoned":1,"failed":0} and d["sessions"]["total"]["started"]==4 and d["sessions"]["total"]["failed"]==1' ||
    fail "sessions: $out"
json "$out" 'd["face_checks"]["total"]["no_match"]==2 and d["face_checks"]["total"]["no_liveness"]==0' || fail "face: $out"
json "$out" 'd["paper_stock"]["remaining"]==120 and d["paper_stock"]["low"] is False' || fail "stock: $out"
json "$out" 'd["paper_stock"]["a3"]==100 and d["paper_stock"]["a4"]==20' || fail "stock by media: $out"
out=$(k diag counters)
json "$out" 'd["prints"]["in_range"]==9 and d["ratings"]["total"]=={"very_satisfied":2,"satisfied":0,"basic":0,"dissatisfied":0,"very_dissatisfied":0}' ||
    fail "all days: $out"
# --from / --to are real calendar dates, in order: anything else is a usage error (exit 2).
for bad in "--from 2026-11" "--from 2026-13-99" "--to 2026-02-29" "--from 2026-04-31" "--to 2026-1a-01" \
    "--from 2026-11-30 --to 2026-11-01"; do
    rc=0
    # shellcheck disable=SC2086
    msg=$(k diag counters $bad 2>&1 >/dev/null) || rc=$?
    [[ $rc -eq 2 ]] || fail "counters $bad: exit $rc"
    [[ $msg == *"diag counters: "* && ( $msg == *"YYYY-MM-DD"* || $msg == *"after it ends"* ) ]] ||
        fail "counters $bad: unclear message '$msg'"
done
k diag counters --from 2024-02-29 --to 2024-02-29 >/dev/null || fail "a leap day refused"

# Recent log lines: none before the kiosk wrote any (cli.kiosk_diag checks the kiosk's own).
out=$(k diag logs) || fail "diag logs: $out"
json "$out" 'd["lines"]==[] and d["path"].endswith("/kiosk.log")' || fail "logs without a file: $out"
out=$(k diag status) || true
json "$out" 'd["recent_log"]==[]' || fail "status recent_log without a file: $out"
for bad in "--lines 0" "--lines x" "--lines 1001" "--frob"; do
    rc=0
    # shellcheck disable=SC2086
    k diag logs $bad >/dev/null 2>&1 || rc=$?
    [[ $rc -eq 2 ]] || fail "diag logs $bad: exit $rc"
done

# A tampered audit row: the audit probe says fault, and so does the whole table (exit 1).
sqlite3 "$LK_DB" "DROP TRIGGER audit_no_update; UPDATE audit SET actor='someone' WHERE seq=2"
rc=0
out=$(k diag status) || rc=$?
[[ $rc -eq 1 ]] || fail "status with a broken chain: exit $rc"
json "$out" 'd["overall"]=="fault" and [p for p in d["probes"] if p["name"]=="audit"][0]["status"]=="fault"' ||
    fail "broken chain: $out"

if [[ $failures -ne 0 ]]; then
    echo "diag.sh: $failures failure(s)" >&2
    exit 1
fi
echo "diag.sh: all passed"
