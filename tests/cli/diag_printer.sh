#!/usr/bin/env bash
# diag_printer.sh: the diagnostics' printer probe and test page through the real print path
# (tools/cups-rig: private cupsd + ippeveprinter): a ready printer is normal, the test page
# comes out as a real PDF, the markers and media ippeveprinter reports (printer-supply,
# media-ready: cupsd's queue has neither until a job ran) and a low toner show in the probe, the
# calibration page moves its marks by the configured offsets, a disabled queue and a vanished
# printer show in the probe.
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
# ippeveprinter's own supplies: waste toner 25 %, black toner 75 %; A4 loaded.
json "$p" '{(m["type"],m["level"]) for m in d["detail"]["markers"]}=={("waste-toner",25),("toner",75)} and d["detail"]["media_ready"]==["iso_a4_210x297mm"] and d["detail"]["supplies_from"]=="device"' ||
    fail "markers and media: $p"
eve=$(cat "$work/rig/run/printer.port")
curl -fsS -o /dev/null "http://localhost:$eve/supplies?supply0=25&supply1=5"
out=$(k diag status) || true
p=$(printer "$out")
json "$p" 'd["status"]=="warning" and "low (5%)" in d["reason"] and any(m["type"]=="toner" and m["level"]==5 for m in d["detail"]["markers"])' ||
    fail "low toner: $p"
curl -fsS -o /dev/null "http://localhost:$eve/supplies?supply0=25&supply1=75"

# The calibration page: its centre mark moves by the offsets (0.1 mm steps), whichever way the
# queue turns the landscape page; the caption says the offsets.
mark() { pdftotext -bbox "$1" - | python3 -c 'import re,sys; m=re.search(r"xMin=\"([\d.]+)\" yMin=\"([\d.]+)\" xMax=\"([\d.]+)\" yMax=\"([\d.]+)\">calibration-mark<",sys.stdin.read()); print((float(m[1])+float(m[3]))/2,(float(m[2])+float(m[4]))/2)'; }
calib() { # x y -> the received page's file
    k config set printer.calibration_x_01mm "$1" >/dev/null
    k config set printer.calibration_y_01mm "$2" >/dev/null
    local o
    o=$(LK_NOW=$3 k diag selftest calibration-page) || fail "calibration-page: $o"
    json "$o" "d['passed'] and d['job_state']=='completed' and d['calibration_x_01mm']==$1 and d['calibration_y_01mm']==$2" || fail "calibration-page: $o"
    ls "$LK_PRINT_SPOOL"/*lk-diag-calibration-"$3".pdf
}
f0=$(calib 0 0 1796000000)
fx=$(calib 13 0 1796000001)
fy=$(calib 0 -7 1796000002)
pdfinfo "$f0" | grep -q "Page size:.*(A4)" || fail "calibration page not A4"
pdftotext "$fx" - | grep -q "offset x +1.3 mm, y +0.0 mm" || fail "calibration caption: $(pdftotext "$fx" -)"
moved() { python3 -c 'import sys,math; a=list(map(float,sys.argv[1].split())); b=list(map(float,sys.argv[2].split())); d=math.hypot(a[0]-b[0],a[1]-b[1]); e=float(sys.argv[3])*72/25.4; sys.exit(0 if abs(d-e)<0.15 else print(d,e) or 1)' "$(mark "$1")" "$(mark "$2")" "$3"; }
moved "$f0" "$fx" 1.3 || fail "x offset 1.3 mm not applied"
moved "$f0" "$fy" 0.7 || fail "y offset -0.7 mm not applied"
k config set printer.calibration_y_01mm 0 >/dev/null

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
