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
# pcheck STATUS-JSON EXPR: EXPR on the printer probe as d (one python3 per check).
pcheck() { python3 -c 'import json,sys; d=next(p for p in json.loads(sys.argv[1])["probes"] if p["name"]=="printer"); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

eval "$("$rig" start "$work/rig")"
export LK_ACTOR=tech:T-1
k config set printer.job_deadline_s 15 >/dev/null

out=$(k diag status) || true
# Ready, and ippeveprinter's own supplies: waste toner 25 %, black toner 75 %; A4 loaded.
pcheck "$out" 'd["status"]=="normal" and d["detail"]["queue"]=="kiosk" and d["reason"]=="ready" and {(m["type"],m["level"]) for m in d["detail"]["markers"]}=={("waste-toner",25),("toner",75)} and d["detail"]["media_ready"]==["iso_a4_210x297mm"] and d["detail"]["supplies_from"]=="device"' ||
    fail "ready printer, markers and media: $out"
eve=$(cat "$work/rig/run/printer.port")
curl -fsS -o /dev/null "http://localhost:$eve/supplies?supply0=25&supply1=5"
out=$(k diag status) || true
pcheck "$out" 'd["status"]=="warning" and "low (5%)" in d["reason"] and any(m["type"]=="toner" and m["level"]==5 for m in d["detail"]["markers"])' ||
    fail "low toner: $out"
curl -fsS -o /dev/null "http://localhost:$eve/supplies?supply0=25&supply1=75"

# The calibration page: its centre mark moves by the offsets (0.1 mm steps), whichever way the
# queue turns the landscape page; the caption says the offsets. (One python3 for all checks:
# its start-up dominates this test on a loaded machine.)
calib() { # X Y NOW -> the self-test's JSON, one line
    k config set printer.calibration_x_01mm "$1" >/dev/null
    k config set printer.calibration_y_01mm "$2" >/dev/null
    LK_NOW=$3 k diag selftest calibration-page || fail "calibration-page at $1,$2"
    echo
}
{ calib 0 0 1796000000; calib 13 0 1796000001; calib 0 -7 1796000002; } >"$work/calib.jsonl"
python3 - "$work/calib.jsonl" "$LK_PRINT_SPOOL" <<'PY' || fail "calibration page"
import glob, json, math, re, subprocess, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
want = [(0, 0), (13, 0), (0, -7)]
for r, (x, y) in zip(runs, want):
    assert r["passed"] and r["job_state"] == "completed", r
    assert (r["calibration_x_01mm"], r["calibration_y_01mm"]) == (x, y), r
def pdf(now):
    f = glob.glob("%s/*lk-diag-calibration-%d.pdf" % (sys.argv[2], now))
    assert f, "no calibration page %d" % now
    return f[0]
def mark(f):
    t = subprocess.run(["pdftotext", "-bbox", f, "-"], capture_output=True, text=True).stdout
    m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">calibration-mark<', t)
    return ((float(m[1]) + float(m[3])) / 2, (float(m[2]) + float(m[4])) / 2)
f0, fx, fy = (pdf(1796000000 + i) for i in range(3))
info = subprocess.run(["pdfinfo", f0], capture_output=True, text=True).stdout
assert re.search(r"Page size:.*\(A4\)", info), info
text = subprocess.run(["pdftotext", fx, "-"], capture_output=True, text=True).stdout
assert "offset x +1.3 mm, y +0.0 mm" in text, text
m0 = mark(f0)
for f, mm in ((fx, 1.3), (fy, 0.7)):
    d, e = math.dist(m0, mark(f)), mm * 72 / 25.4
    assert abs(d - e) < 0.15, "%s: the mark moved %.2f pt, not %.2f" % (f, d, e)
PY
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
pcheck "$out" 'd["status"]!="normal" and d["reason"]' || fail "disabled queue: $out"
"$rig" fault "$work/rig" enable-queue

"$rig" fault "$work/rig" kill-printer
out=$(k diag status) || true
pcheck "$out" 'd["status"] in ("fault","unknown","warning") and d["reason"]' || fail "vanished printer: $out"
rc=0
out=$(k diag selftest test-page) || rc=$?
[[ $rc -eq 1 ]] || fail "test page on a vanished printer: exit $rc ($out)"
json "$out" 'not d["passed"]' || fail "test page on a vanished printer: $out"
echo "diag_printer.sh: all passed"
