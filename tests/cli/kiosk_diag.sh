#!/usr/bin/env bash
# kiosk_diag: diagnostics mode in the real kiosk binary (SDL offscreen, simulated reader): a
# service card made by `kioskctl service-card make` and the PIN open it from the attract screen
# (a wrong PIN first), every diagnostics screen is visited and photographed, the calibration
# offsets move in 0.1 mm steps into configuration, exit returns to attract, and a service card
# on a customer screen does nothing. An expired card is refused. The audit log holds every
# technician action under tech:<id>.
set -euo pipefail
: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
work=$(mktemp -d)
[[ -z ${KEEP_WORK:-} ]] || echo "kiosk_diag: work in $work" >&2
trap '[[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
KIOSK=${KIOSK:-$LK_BUILD_DIR/tools/kiosk/kiosk}
unset LK_STATE_DIR LK_ADMIN_PUBKEY LK_NOW LK_LOG_FILE
mkdir "$work/state"
export LK_DB=$work/state/k.db
k() { timeout 60 "$KIOSKCTL" "$@"; }

k bundle keygen "$work/admin.key" "$work/state/admin.pub" >/dev/null
k service-card make --key "$work/admin.key" --tech T-042 --expires +30 -o "$work/service-card.bin" >/dev/null
k service-card make --key "$work/admin.key" --tech T-043 --issued 2020-01-01 --expires 2020-01-02 \
    -o "$work/expired.bin" >/dev/null
pin=$(echo 482913 | k service-card pin-hash --iterations 10000 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])')
k config set service.pin_hash "$pin" >/dev/null
printf '2026-12-01T10:00:00Z kiosk started\n2026-12-01T10:00:01Z printer ready\n' >"$work/state/kiosk.log"
# An uncertain copy for the jobs page, as a kiosk that lost track of a print leaves it.
k records import "$LK_TEST_DATA/records-sample.jsonl" >/dev/null
uscc=$(jq -r 'select(.status == "approved") | .uscc' "$LK_TEST_DATA/records-sample.jsonl" | head -n1)
sqlite3 "$LK_DB" "INSERT INTO print_jobs (license_id, copy, copy_no, state, attempt, job_name,
    reason, created_at, updated_at) SELECT id, 'original', 1, 'uncertain', 1, 'lk-1-1',
    'deadline passed', 0, 0 FROM licenses WHERE uscc = '$uscc'"
cp "$LK_SOURCE_DIR/tests/data/kiosk/diag.script" "$work/"
printf 'wait attract\nreader service expired.bin\nwait diag_refused\ntap ok\nwait attract\n' >"$work/expired.script"

run() { # NAME SCRIPT
    mkdir -p "$work/$1"
    timeout 120 "$KIOSK" --headless --fast --script "$work/$2" --shots "$work/$1" \
        --print-dir "$work/$1" 2>"$work/$1.err" || { cat "$work/$1.err" >&2; fail "$1: kiosk failed"; }
    if grep -q 'missed a translation' "$work/$1.err" && ! grep -q ' 0 string lookups' "$work/$1.err"; then
        cat "$work/$1.err" >&2
        fail "$1: a string lacks a translation"
    fi
}
run diag diag.script
run expired expired.script

python3 - "$work/diag" 1080 1920 <<'PY'
import struct, sys, zlib, glob, os
d, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
want = {"diag_pin", "diag_menu", "diag_status", "diag_selftest", "diag_calib", "diag_counters",
        "diag_log", "diag_bundle", "diag_jobs", "attract", "role", "ended"}
seen = set()
for f in sorted(glob.glob(d + "/*.png")):
    b = open(f, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n", f + ": not a PNG"
    assert struct.unpack(">II", b[16:24]) == (w, h), f + ": wrong size"
    idat, i = b"", 8
    while i < len(b):
        n, = struct.unpack(">I", b[i:i + 4])
        if b[i + 4:i + 8] == b"IDAT":
            idat += b[i + 8:i + 8 + n]
        i += 12 + n
    raw = zlib.decompress(idat)
    assert len(b) > 40000 and len(set(raw)) > 64, f + ": looks blank"
    seen.add(os.path.basename(f)[3:].rsplit("-", 2 if "zh-CN" in f else 1)[0].split("-")[0])
missing = want - seen
assert not missing, "screens not photographed: %s (seen %s)" % (sorted(missing), sorted(seen))
PY
ls "$work/expired" | grep -q diag_refused || fail "expired card: no refusal screen"

# Calibration: three steps right, one up, stored in 0.1 mm.
[[ $(k config get printer.calibration_x_01mm | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])') == 3 ]] ||
    fail "calibration x not 3"
[[ $(k config get printer.calibration_y_01mm | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])') == -1 ]] ||
    fail "calibration y not -1"

# The jobs page settled the planted copy: printed once, confirmed by the technician.
[[ $(k jobs list --state completed | jq -r "select(.uscc == \"$uscc\") | .prints") == 1 ]] ||
    fail "the uncertain copy was not confirmed printed: $(k jobs list)"

# The technician's actions, in the audit log under tech:T-042; the expired card under T-043.
k audit list --limit 1000 >"$work/audit.jsonl"
python3 - "$work/audit.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if len(rows) == 1 and isinstance(rows[0], dict) and "rows" in rows[0]:
    rows = rows[0]["rows"]
def actions(actor):
    return [r.get("action") or r.get("event") for r in rows if r.get("actor") == actor]
t = actions("tech:T-042")
for want in ["diag.card", "service.pin-wrong", "service.enter", "diag.view", "diag.selftest",
             "diag.calibrate", "print.confirmed", "diag.exit"]:
    assert want in t, "audit lacks %s for T-042: %s" % (want, t)
pages = {json.loads(r["detail"])["page"] if isinstance(r["detail"], str) else r["detail"]["page"]
         for r in rows if r.get("actor") == "tech:T-042" and (r.get("action") or r.get("event")) == "diag.view"}
for p in ["status", "selftest", "calib", "counters", "log", "bundle", "jobs"]:
    assert p in pages, "page %s not audited: %s" % (p, pages)
assert t.count("diag.calibrate") == 4, t
assert "service.refused" in actions("tech:T-043"), actions("tech:T-043")
assert not [a for a in t if a == "diag.card"][1:], "the card on a customer screen was taken: %s" % t
PY
echo "kiosk_diag: ok"
