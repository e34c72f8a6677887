#!/usr/bin/env bash
# kiosk_diag: diagnostics mode in the real kiosk binary (SDL offscreen, simulated reader): a
# service card made by `kioskctl service-card make` and the PIN open it from the attract screen
# (a wrong PIN first), every diagnostics screen is visited and photographed, the calibration
# offsets move in 0.1 mm steps into configuration, exit returns to attract, and a service card
# on a customer screen does nothing. An expired card is refused. The audit log holds every
# technician action under tech:<id>. Customers served first: the counters report what their
# sessions counted, and the log page, `diag logs` and `diag status` show the lines the kiosk
# itself logged.
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
# An uncertain copy for the jobs page, as a kiosk that lost track of a print leaves it.
k records import "$LK_TEST_DATA/records-sample.jsonl" >/dev/null
uscc=$(jq -r 'select(.status == "approved") | .uscc' "$LK_TEST_DATA/records-sample.jsonl" | head -n1)
sqlite3 "$LK_DB" "INSERT INTO print_jobs (license_id, copy, copy_no, state, attempt, job_name,
    reason, created_at, updated_at) SELECT id, 'original', 1, 'uncertain', 1, 'lk-1-1',
    'deadline passed', 0, 0 FROM licenses WHERE uscc = '$uscc'"
cp "$LK_SOURCE_DIR/tests/data/kiosk/diag.script" "$work/"
printf 'wait attract\nreader service expired.bin\nwait diag_refused\ntap ok\nwait attract\n' >"$work/expired.script"
# Customers first, so the counters and the log hold what the kiosk itself produced: a license
# printed and rated, three failed face checks, a customer who backs out of the first screen.
holder=310104195404094012
printf '{"doc_type":"resident_id","number":"%s","name":"杨凯福"}' "$holder" >"$work/holder.json"
{ cat "$LK_TEST_DATA/kiosk/to-preview.part"; cat <<'EOF'; } >"$work/customers.script"
tap print
wait done 120000
reader remove
wait rating
tap rate2
wait ended
tap ok
wait attract
face fail
tap start
tap holder
tap resident_id
tap consent_data
tap consent_face
tap continue
wait tap_card
reader insert holder.json
wait face
wait-button retry 20000
tap retry
wait-button retry 20000
tap retry
wait staff 20000
reader remove
tap ok
wait attract
face pass
tap start
wait role
tap back
wait attract
EOF

run() { # NAME SCRIPT
    mkdir -p "$work/$1"
    timeout 120 "$KIOSK" --headless --fast --script "$work/$2" --shots "$work/$1" \
        --print-dir "$work/$1" 2>"$work/$1.err" || { cat "$work/$1.err" >&2; fail "$1: kiosk failed"; }
    if grep -q 'missed a translation' "$work/$1.err" && ! grep -q ' 0 string lookups' "$work/$1.err"; then
        cat "$work/$1.err" >&2
        fail "$1: a string lacks a translation"
    fi
}
run customers customers.script
run diag diag.script
run expired expired.script

# The counters report what the kiosk counted (no counter was written by hand): the three
# customers and diag.script's own, cancelled, session; the copy the jobs page confirmed printed
# (the simulated printer has no journal, so only that one is a print).
out=$(k diag counters) || fail "diag counters: $out"
python3 - "$out" <<'PY' || fail "counters after the customers: $out"
import json, sys
d = json.loads(sys.argv[1])
assert d["prints"]["total"] == 1 and d["prints"]["in_range"] == 1, d["prints"]
for half in ("total", "in_range"):
    assert d["sessions"][half] == {"started": 4, "completed": 1, "abandoned": 2, "failed": 1}, d["sessions"]
    assert d["failures"][half] == {"face_failed": 1}, d["failures"]
    assert d["face_checks"][half]["match"] == 1 and d["face_checks"][half]["no_match"] == 3, d["face_checks"]
    assert d["ratings"][half] == {"very_satisfied": 0, "satisfied": 1, "basic": 0, "dissatisfied": 0,
                                  "very_dissatisfied": 0}, d["ratings"]
PY

# The log is the kiosk's own (lk_log): its start and stop, the session's states and end, the
# prints, the technician's actions; never the customer's ID number.
[[ -s $work/state/kiosk.log ]] || fail "the kiosk wrote no $work/state/kiosk.log"
! grep -q "$holder" "$work/state/kiosk.log" || fail "an ID number reached the log"
out=$(k diag logs --lines 1000) || fail "diag logs: $out"
python3 - "$out" <<'PY' || fail "diag logs: $out"
import json, re, sys
d = json.loads(sys.argv[1])
lines = d["lines"]
assert d["path"].endswith("/state/kiosk.log"), d["path"]
stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO |WARN |ERROR) [a-z]+: ")
assert all(stamp.match(l) for l in lines), [l for l in lines if not stamp.match(l)][:3]
for want in ["kiosk: started", "session: state attract -> role", "session: state printing -> done",
             "print: copy 1 of 2 completed", "print: copy 2 of 2 completed",
             "session: ended: face_failed", "session: state role -> attract", "kiosk: stopped: exit 0",
             "diag: tech:T-042 service.enter", "diag: tech:T-042 diag.view", "diag: service card refused"]:
    assert any(want in l for l in lines), "no line with %r" % want
assert sum("kiosk: started" in l for l in lines) == 3, "three runs, three starts"
PY
out=$(k diag status) || true
python3 - "$out" <<'PY' || fail "diag status recent_log: $out"
import json, sys
d = json.loads(sys.argv[1])
r = d["recent_log"]
assert 0 < len(r) <= 20 and "kiosk: stopped: exit 0" in r[-1], r
PY

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
