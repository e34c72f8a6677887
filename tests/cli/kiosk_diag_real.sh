#!/usr/bin/env bash
# kiosk_diag_real: the kiosk's diagnostics on the devices it runs with: the real printer through
# the CUPS rig (cupsd + ippeveprinter) and the camera's file source, the reader simulated. The
# status page shows the printer's state with the markers and media ippeveprinter reports, the
# camera's first frame and the simulated reader; the calibration page prints through CUPS with
# the stored offsets and capture-frame takes a frame, both on a worker; every run is audited.
set -euo pipefail
: "${KIOSKCTL:?}" "${LK_BUILD_DIR:?}" "${LK_SOURCE_DIR:?}" "${LK_TEST_DATA:?}"
KIOSK=${KIOSK:-$LK_BUILD_DIR/tools/kiosk/kiosk}
RIG=$LK_SOURCE_DIR/tools/cups-rig
for tool in cupsd ippeveprinter pdftotext; do
    command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing"; exit 77; }
done
work=$(mktemp -d)
chmod 0755 "$work" # cupsd's filters run as lp and must reach the rig
rig_up=
trap '[[ -z $rig_up ]] || "$RIG" stop "$work/rig" >/dev/null 2>&1 || true; [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset LK_STATE_DIR LK_ADMIN_PUBKEY LK_NOW LK_LOG_FILE LK_SECRET_FILE
mkdir "$work/state" "$work/cam"
export LK_DB=$work/state/k.db
k() { timeout 60 "$KIOSKCTL" "$@"; }

eval "$("$RIG" start "$work/rig")"
rig_up=1
k bundle keygen "$work/admin.key" "$work/state/admin.pub" >/dev/null
k service-card make --key "$work/admin.key" --tech T-077 --expires +30 -o "$work/service-card.bin" >/dev/null
pin=$(echo 482913 | k service-card pin-hash --iterations 10000 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])')
k config set service.pin_hash "$pin" >/dev/null
cp "$LK_TEST_DATA/face-small.jpg" "$work/cam/"
k config set camera.source "$work/cam" >/dev/null
k config set printer.job_deadline_s 20 >/dev/null
k config set printer.calibration_x_01mm 12 >/dev/null
k config set printer.calibration_y_01mm -4 >/dev/null
cp "$LK_SOURCE_DIR/tests/data/kiosk/diag-real.script" "$work/"

mkdir "$work/shots"
timeout 120 "$KIOSK" --headless --fast --devices real --reader sim --face sim \
    --script "$work/diag-real.script" --shots "$work/shots" --print-dir "$work/shots" \
    2>"$work/kiosk.err" || { cat "$work/kiosk.err" >&2; fail "kiosk failed"; }
ls "$work/shots" | grep -q status-real || fail "no status screenshot"

f=$(ls "$LK_PRINT_SPOOL"/*lk-diag-calibration-*.pdf 2>/dev/null | head -n1)
[[ -f $f ]] || fail "no calibration page reached the printer: $(ls "$LK_PRINT_SPOOL")"
pdftotext "$f" - | grep -q "offset x +1.2 mm, y -0.4 mm" || fail "calibration page caption: $(pdftotext "$f" -)"

k audit list --limit 1000 >"$work/audit.jsonl"
python3 - "$work/audit.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if len(rows) == 1 and isinstance(rows[0], dict) and "rows" in rows[0]:
    rows = rows[0]["rows"]
runs = {}
for r in rows:
    if r.get("actor") == "tech:T-077" and (r.get("action") or r.get("event")) == "diag.selftest":
        d = r["detail"] if isinstance(r["detail"], dict) else json.loads(r["detail"])
        runs[d["name"]] = d["outcome"]
want = {"calibration-page": "passed", "capture-frame": "passed", "test-card": "not-available"}
assert runs == want, "self-test audit: %s, want %s" % (runs, want)
PY
echo "kiosk_diag_real: ok"
