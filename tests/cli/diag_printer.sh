#!/usr/bin/env bash
# diag_printer.sh: the diagnostics' printer probe and test page through the real print path
# (tools/cups-rig: private cupsd + ippeveprinter): a ready printer is normal, the test page
# comes out as a real PDF, a disabled queue and a vanished printer show in the probe.
set -euo pipefail
work=$(mktemp -d)
chmod 0755 "$work" # cupsd's filters run as lp and must reach the rig
rig="$LK_SOURCE_DIR/tools/cups-rig"
trap '"$rig" stop "$work/rig" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
k() { timeout 90 "$KIOSKCTL" --db "$work/k.db" "$@"; }
json() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }
printer() { python3 -c 'import json,sys; print(json.dumps(next(p for p in json.loads(sys.argv[1])["probes"] if p["name"]=="printer")))' "$1"; }

eval "$("$rig" start "$work/rig")"
export LK_ACTOR=tech:T-1
k config set printer.job_deadline_s 15 >/dev/null

out=$(k diag status) || true
p=$(printer "$out")
json "$p" 'd["status"]=="normal" and d["detail"]["queue"]=="kiosk" and d["reason"]=="ready"' || fail "ready printer: $p"

out=$(k diag selftest test-page) || fail "test-page: $out"
json "$out" 'd["passed"] and d["job_state"]=="completed" and d["job"]>0' || fail "test-page: $out"
files=("$LK_PRINT_SPOOL"/*lk-diag-test*.pdf)
[[ -f ${files[0]} ]] || fail "no test page received: $(ls "$LK_PRINT_SPOOL")"
pdftotext "${files[0]}" - | grep -q "licensekiosk test page" || fail "test page text"
pdfinfo "${files[0]}" | grep -q "Page size:.*(A4)" || fail "test page not A4: $(pdfinfo "${files[0]}" 2>&1 | grep -i size)"
# Outside the journal: no print job row, no stock, no print counted.
[[ $(sqlite3 "$work/k.db" "SELECT count(*) FROM print_jobs WHERE state <> 'pending'") -eq 0 ]] || fail "journal touched"
[[ $(sqlite3 "$work/k.db" "SELECT count(*) FROM audit WHERE event='diag.selftest' AND detail LIKE '%test-page%passed%'") -eq 1 ]] ||
    fail "test page not audited"

"$rig" fault "$work/rig" disable-queue "out for service"
out=$(k diag status) || true
p=$(printer "$out")
json "$p" 'd["status"]!="normal" and d["reason"]' || fail "disabled queue: $p"
"$rig" fault "$work/rig" enable-queue

"$rig" fault "$work/rig" kill-printer
out=$(k diag status) || true
p=$(printer "$out")
json "$p" 'd["status"] in ("fault","unknown","warning") and d["reason"]' || fail "vanished printer: $p"
rc=0
out=$(k diag selftest test-page) || rc=$?
[[ $rc -eq 1 ]] || fail "test page on a vanished printer: exit $rc ($out)"
json "$out" 'not d["passed"]' || fail "test page on a vanished printer: $out"
echo "diag_printer.sh: all passed"
