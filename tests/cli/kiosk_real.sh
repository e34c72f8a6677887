#!/usr/bin/env bash
# kiosk through real parts: the headless kiosk with the NFC reader (lk_nfc -> libnfc pn532_uart
# -> pn532-sim holding a virtual passport signed by a test CSCA, BAC + passive authentication),
# the camera file source on a test image, the test face plug-in in its isolated worker
# (mode=match) and the print journal over CUPS (private cupsd + ippeveprinter). A full session
# prints: the PDF the printer received names the license and its QR decodes to the record's
# qr_payload, and the journal shows the copy completed exactly once. Then the passport is pulled
# mid-read: the kiosk ends with card_removed and nothing more is printed; printing the same
# license again is refused by the journal (staff called, nothing sent). Last, a resident ID
# card through the SAM plug-in adapter (idreader-sim) prints its holder's license, and with the
# rig's printer out of paper the printing screen says media-empty. Before that, the unhappy paths
# on the same simulators: consent declined, a passport holder with no license, three failed
# face checks (face-test mode=nomatch), and timeouts on the reading screen (pn532-sim slowed
# mid-read) and the face screen. A SAM plug-in is configured
# throughout, so every run uses both readers behind one port (`--devices real` picks `both`):
# the passport runs show the idle SAM reader never "removes" a passport being read over NFC.
set -euo pipefail

: "${KIOSKCTL:?}" "${LK_BUILD_DIR:?}" "${LK_SOURCE_DIR:?}" "${LK_TEST_DATA:?}" "${LK_PLUGIN_DIR:?}"
KIOSK=${KIOSK:-$LK_BUILD_DIR/tools/kiosk/kiosk}
# shellcheck source=../support/sims.sh
source "$LK_SOURCE_DIR/tests/support/sims.sh"
RIG=$LK_SOURCE_DIR/tools/cups-rig
for tool in cupsd ippeveprinter pdftotext pdftoppm zbarimg; do
    command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing"; exit 77; }
done
work=$(mktemp -d)
chmod 0755 "$work"
sim_pid=
rig_up=
cleanup() {
    if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    [[ -z $rig_up ]] || "$RIG" stop "$work/rig" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export LIBNFC_AUTO_SCAN=false LIBNFC_INTRUSIVE_SCAN=false LIBNFC_LOG_LEVEL=0
unset LIBNFC_DEFAULT_DEVICE LIBNFC_DEVICE LK_SECRET_FILE
export LK_DB=$work/k.db LK_TODAY=20260101
k() { timeout 30 "$KIOSKCTL" "$@"; }

# The passport (expires 2030) and a synthetic database whose holder presents it.
k pki make-test-csca "$work/csca" >/dev/null
k card make-emrtd --mrz "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" \
    "L898902C36UTO7408122F3012316<<<<<<<<<<<<<<06" --photo "$LK_TEST_DATA/face-small.jpg" \
    --csca-dir "$work/csca" -o "$work/passport.card" >/dev/null
k records generate --count 30 --seed 9 >"$work/gen.jsonl"
{ read -r uscc name payload; read -r sam_uscc sam_name _; } < <(python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
rows = [json.loads(l) for l in open(work + "/gen.jsonl")]
pick = next(r for r in rows if r["status"] == "approved" and r["qr_payload"])
pick["holder"]["doc_type"] = "passport"
pick["holder"]["doc_number"] = "L898902C3"
pick["duplicates"] = 0
resident = next(r for r in rows if r is not pick and r["status"] == "approved"
                and r["holder"]["doc_type"] == "resident_id")
resident["duplicates"] = 0
third = next(r for r in rows if r is not pick and r is not resident and r["status"] == "approved"
             and r["holder"]["doc_type"] == "resident_id")
third["duplicates"] = 0
for r, card in ((resident, "idcard.txt"), (third, "idcard2.txt")):
    with open(work + "/" + card, "w") as f:
        f.write("type=1\nname=%s\nid=%s\n" % (r["holder"]["name"], r["holder"]["doc_number"]))
with open(work + "/records.jsonl", "w") as f:
    for r in [pick, resident, third]:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(pick["uscc"], pick["name"], pick["qr_payload"])
print(resident["uscc"], resident["name"], "-")
PY
)
k records import "$work/records.jsonl" >/dev/null

# Devices: camera images, face plug-in, the print rig, pn532-sim with its control socket.
mkdir "$work/cam"
cp "$LK_TEST_DATA/face-small.jpg" "$work/cam/"
k config set emrtd.csca_dir "$work/csca" >/dev/null
k config set camera.source "$work/cam" >/dev/null
k config set face.plugin "$LK_PLUGIN_DIR/face-test.so" >/dev/null
k config set face.plugin_config "mode=match" >/dev/null
"$RIG" start "$work/rig" >"$work/rig.env" 2>"$work/rig.err" || fail "cups-rig: $(cat "$work/rig.err")"
rig_up=1
eval "$(cat "$work/rig.env")"
lk_pn532_sim_start "$work"
k config set nfc.device "pn532_uart:$pty" >/dev/null
k config set idreader.plugin "$LK_PLUGIN_DIR/idreader-sim.so" >/dev/null
k config set idreader.plugin_config "card=$work/idcard.txt" >/dev/null

cp "$LK_TEST_DATA/kiosk/real.script" "$work/"
rc=0
t0=$SECONDS
timeout 120 "$KIOSK" --headless --devices real --pn532-control "$work/sim.sock" \
    --script "$work/real.script" --shots "$work/shots" 2>"$work/kiosk.err" || rc=$?
echo "kiosk_real.sh: kiosk ran $((SECONDS - t0)) s" >&2
[[ $rc -eq 0 ]] || { cat "$work/kiosk.err" >&2; fail "kiosk exited $rc"; }

# Exactly one document reached the printer, and it is the license.
mapfile -t docs < <(find "$LK_PRINT_SPOOL" -type f -name '*-lk-*.pdf' | sort)
[[ ${#docs[@]} -eq 1 ]] || fail "printer received ${#docs[@]} documents: ${docs[*]:-none}"
doc=${docs[0]}
[[ $(head -c 5 "$doc") == "%PDF-" ]] || fail "$doc is not a PDF"
pdftotext "$doc" "$work/printed.txt"
grep -qF "$name" "$work/printed.txt" || fail "printed PDF lacks the license name $name"
pdftoppm -r 300 -png -singlefile "$doc" "$work/page"
qr=$(zbarimg --quiet --raw -Sdisable -Sqrcode.enable "$work/page.png" 2>/dev/null | head -n1)
[[ $qr == "$payload" ]] || fail "QR decodes to '$qr', want '$payload'"

# The journal: the original completed once, with its CUPS job; nothing else.
k jobs >"$work/jobs.json"
python3 - "$work/jobs.json" "$uscc" <<'PY' || fail "journal: $(cat "$work/jobs.json")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
mine = [r for r in rows if r["uscc"] == sys.argv[2]]
assert len(mine) == 1, mine
r = mine[0]
assert r["copy"] == "original" and r["state"] == "completed", r
assert r["prints"] == 1 and r["attempt"] == 1 and r["cups_job_id"] > 0, r
others = [r for r in rows if r["uscc"] != sys.argv[2] and r["state"] != "pending"]
assert not others, others
PY

# Both endings were photographed.
ls "$work/shots" | grep -q -- '-done-' || fail "no done screen: $(ls "$work/shots")"
ls "$work/shots" | grep -q -- 'ended-card_removed' || fail "no card-removed screen: $(ls "$work/shots")"

# The same license again: the journal refuses (LK_EBUSY), staff are called, nothing is sent.
cp "$LK_TEST_DATA/kiosk/real-again.script" "$work/"
timeout 60 "$KIOSK" --headless --devices real --pn532-control "$work/sim.sock" \
    --script "$work/real-again.script" --shots "$work/again-shots" 2>"$work/again.err" ||
    { cat "$work/again.err" >&2; fail "second print attempt"; }
[[ $(find "$LK_PRINT_SPOOL" -type f -name '*-lk-*.pdf' | wc -l) -eq 1 ]] || fail "printed twice"
k jobs | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
mine = [r for r in rows if r["uscc"] == sys.argv[1]]
assert len(mine) == 1 and mine[0]["state"] == "completed" and mine[0]["prints"] == 1, mine
' "$uscc" || fail "journal after the second attempt"

# A resident ID card through the SAM plug-in adapter (idreader-sim), camera and printer as above.
cp "$LK_TEST_DATA/kiosk/real-sam.script" "$work/"
timeout 60 "$KIOSK" --headless --devices real --script "$work/real-sam.script" \
    --shots "$work/sam-shots" 2>"$work/sam.err" || { cat "$work/sam.err" >&2; fail "SAM session"; }
mapfile -t docs < <(find "$LK_PRINT_SPOOL" -type f -name '*-lk-*.pdf' | sort)
[[ ${#docs[@]} -eq 2 ]] || fail "after the SAM session the printer has ${#docs[@]} documents"
pdftotext "${docs[1]}" "$work/sam.txt"
grep -qF "$sam_name" "$work/sam.txt" || fail "SAM session printed something else"
k jobs | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
assert [r["state"] for r in rows if r["uscc"] == sys.argv[1]] == ["completed"], rows
' "$sam_uscc" || fail "SAM copy not completed once"

# The unhappy paths on the same rig and simulators, one kiosk run per face-test mode: consent
# declined and a passport holder with no license (mode=match); three failed face checks
# (mode=nomatch); timeouts on the reading and the face screens. Nothing may reach the printer.
real_run() { # NAME SCRIPT: a headless run on the real adapters, shots in $work/NAME-shots
    local rc=0 t0=$SECONDS
    cp "$LK_TEST_DATA/kiosk/$2" "$work/"
    timeout 120 "$KIOSK" --headless --devices real --pn532-control "$work/sim.sock" \
        --script "$work/$2" --shots "$work/$1-shots" 2>"$work/$1.err" || rc=$?
    echo "kiosk_real.sh: $1 ran $((SECONDS - t0)) s" >&2
    [[ $rc -eq 0 ]] || { cat "$work/$1.err" >&2; fail "$1: kiosk exited $rc"; }
}
shot_of() { ls "$work/$1-shots" | grep -q -- "$2" || fail "$1: no $2 screen: $(ls "$work/$1-shots")"; }
counter() { k counters get "$1" | sed -n 's/.*"value":\([0-9]*\).*/\1/p'; }
k card make-emrtd --mrz "P<UTOSTRANGER<<PETER<<<<<<<<<<<<<<<<<<<<<<<<" \
    "X047110525UTO8503046M3106305<<<<<<<<<<<<<<06" --photo "$LK_TEST_DATA/face-small.jpg" \
    --csca-dir "$work/csca" -o "$work/stranger.card" >/dev/null
seq0=$(k audit list | sed -n 's/.*"seq":\([0-9]*\).*/\1/p' | tail -1)
real_run unhappy real-unhappy.script
shot_of unhappy 'staff-staffed_window'
shot_of unhappy 'no_license-not_found'
# The stranger's passport really was read and matched: the session got as far as the lookup.
k audit list --after "$seq0" | grep -q '"lookup.done"' || fail "unhappy: no lookup was made"

k config set face.plugin_config "mode=nomatch" >/dev/null
no_match0=$(counter face.no_match)
real_run face real-face.script
shot_of face 'staff-face_failed'
no_match=$(counter face.no_match)
[[ $((no_match - ${no_match0:-0})) -eq 3 ]] ||
    fail "face: the plug-in said no match $((no_match - ${no_match0:-0})) times, wanted 3"

k config set ui.screen_timeout_s 3 >/dev/null
k config set ui.message_timeout_s 1 >/dev/null
real_run timeouts real-timeouts.script
# Each timeout came from the screen it was meant to: the shot before it is that screen's.
python3 - "$work/timeouts-shots" <<'PY' || fail "timeouts: $(ls "$work/timeouts-shots")"
import os, sys
shots = sorted(os.listdir(sys.argv[1]))
before = [shots[i - 1].split("-")[1] for i, f in enumerate(shots) if "-ended-timeout" in f]
assert before == ["reading", "face"], before
PY
k config set ui.screen_timeout_s 60 >/dev/null
k config set ui.message_timeout_s 10 >/dev/null
k config set face.plugin_config "mode=match" >/dev/null
[[ $(find "$LK_PRINT_SPOOL" -type f -name '*-lk-*.pdf' | wc -l) -eq 2 ]] ||
    fail "an unhappy path printed"

# Out of paper: the rig's printer holds the job reporting media-empty; the kiosk shows it.
"$RIG" fault "$work/rig" mode media-empty >/dev/null
k config set idreader.plugin_config "card=$work/idcard2.txt" >/dev/null
cp "$LK_TEST_DATA/kiosk/real-paper.script" "$work/"
timeout 60 "$KIOSK" --headless --devices real --script "$work/real-paper.script" \
    --shots "$work/paper-shots" 2>"$work/paper.err" || { cat "$work/paper.err" >&2; fail "paper out"; }
ls "$work/paper-shots" | grep -q -- 'printing-media-empty' || fail "no media-empty screen"
"$RIG" fault "$work/rig" mode ok >/dev/null
echo "kiosk_real.sh: ok"
