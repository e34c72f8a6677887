#!/usr/bin/env bash
# kiosk end to end: the real binary under SDL's offscreen driver with the simulated reader,
# camera, face matcher and printer over a synthetic database. The happy path prints a PDF whose
# text and QR code are the license's; the unhappy paths (consent declined, card pulled mid-read,
# three failed face checks, nobody to collect for, printer out of paper) and a timeout on every
# screen (the rating's too) end where they must. Both scripts run in both languages and both
# orientations under --strict (no missing string, no clipped text), so every customer screen is
# photographed four ways; each PNG must exist, have the display's size and not be blank. Each
# screen reached plays its voice prompt, none with ui.voice_mute=1. Input: a touch by
# coordinates, the language toggle, and real SDL mouse and finger events.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
KIOSK=${KIOSK:-$LK_BUILD_DIR/tools/kiosk/kiosk}
data=$LK_SOURCE_DIR/tests/data/kiosk
export LK_DB=$work/k.db LK_TODAY=20260101

"$KIOSKCTL" records generate --count 120 --seed 6 >"$work/records.jsonl"
"$KIOSKCTL" records import "$work/records.jsonl" >/dev/null
# A holder with one 副本 (two sheets), and someone in no record.
read -r uscc payload < <(python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
for line in open(work + "/records.jsonl"):
    r = json.loads(line)
    h = r["holder"]
    if r["status"] == "approved" and h["doc_type"] == "resident_id" and r["duplicates"] == 1:
        json.dump({"doc_type": "resident_id", "number": h["doc_number"], "name": h["name"]},
                  open(work + "/holder.json", "w"), ensure_ascii=False)
        print(r["uscc"], r["qr_payload"] or "http://www.gsxt.gov.cn/index.html?uniscid=" + r["uscc"])
        break
PY
)
echo '{"doc_type":"resident_id","number":"110101199003070134","name":"路人甲"}' >"$work/stranger.json"
cp "$data"/*.script "$work/"

run() { # NAME SCRIPT [kiosk options]: one headless run, shots in $work/NAME
    local name=$1 script=$2
    shift 2
    mkdir -p "$work/$name"
    local rc=0 t0=$SECONDS
    LK_UI_DEBUG=1 timeout 300 "$KIOSK" --headless --strict --script "$work/$script" \
        --shots "$work/$name/shots" --print-dir "$work/$name" "$@" 2>"$work/$name.err" || rc=$?
    echo "kiosk.sh: $name took $((SECONDS - t0)) s" >&2
    if [[ $rc -ne 0 ]]; then
        cat "$work/$name.err" >&2
        fail "$name: kiosk exited $rc"
    fi
}

# Checks every PNG in DIR: size WxH, not blank. Prints the screen names seen.
check_pngs() {
    python3 - "$@" <<'PY'
import struct, sys, zlib, glob, os
d, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen = set()
files = sorted(glob.glob(d + "/*.png"))
assert files, "no screenshots in " + d
for f in files:
    b = open(f, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n", f + ": not a PNG"
    pw, ph = struct.unpack(">II", b[16:24])
    assert (pw, ph) == (w, h), "%s: %dx%d, wanted %dx%d" % (f, pw, ph, w, h)
    idat, i = b"", 8
    while i < len(b):
        n, = struct.unpack(">I", b[i:i + 4]); t = b[i + 4:i + 8]
        if t == b"IDAT": idat += b[i + 8:i + 8 + n]
        i += 12 + n
    raw = zlib.decompress(idat)
    # A blank screen compresses to ~12 KB and its filtered rows hold a handful of byte values;
    # a drawn one (anti-aliased text, panels, images) is several times larger and holds most.
    assert len(b) > 40000 and len(set(raw)) > 64, f + ": looks blank"
    seen.add(os.path.basename(f)[3:].rsplit("-", 1)[0].split("-")[0].replace(".png", ""))
print(" ".join(sorted(seen)))
PY
}

all_screens="attract choose consent document done ended face mrz no_license preview printing rating reading role staff tap_card"
want_screens() { # NAME LIST...: every screen in LIST was photographed in run NAME
    local name=$1 got
    shift
    got=" $(cat "$work/$name.seen") "
    for s in "$@"; do [[ $got == *" $s "* ]] || fail "$name: no screenshot of $s (got:$got)"; done
}

# Every screen reached started its own prompt (LK_UI_DEBUG logs what the display played):
# the (screen, language) pairs of the voice log are those of the screenshots.
check_voice() { # NAME
    python3 - "$work/$1.err" "$work/$1/shots" <<'PY'
import os, re, sys
played = {(m.group(2), m.group(1)) for m in
          re.finditer(r"lk_disp: voice \S*/(zh-CN|en)/([a-z_]+)\.wav", open(sys.argv[1]).read())}
shown = set()
for f in os.listdir(sys.argv[2]):
    key = f[3:-4]
    lang = "zh-CN" if key.endswith("-zh-CN") else "en"
    shown.add((key.split("-")[0], lang))
assert played == shown, "prompts %s, screens %s" % (sorted(played ^ shown), sorted(shown))
PY
}

# Happy path, zh-CN portrait: the printer got the 正本 and the 副本 of the right license.
run happy happy.script --lang zh-CN
check_pngs "$work/happy/shots" 1080 1920 >"$work/happy.seen"
want_screens happy attract role document consent tap_card face choose preview printing done rating ended
check_voice happy
[[ -s $work/happy/printed.pdf && -s $work/happy/printed-2.pdf ]] || fail "the printer did not get two copies"
[[ ! -e $work/happy/printed-3.pdf ]] || fail "a third copy was printed"
pdftotext "$work/happy/printed.pdf" - | tr -d ' \n' | grep -q "$uscc" || fail "printed PDF lacks the USCC"
pdftoppm -r 150 -png "$work/happy/printed.pdf" "$work/page"
got=$(zbarimg --raw -q "$work"/page-1.png 2>/dev/null) || fail "no QR code on the printed page"
[[ $got == "$payload" ]] || fail "QR payload '$got' is not '$payload'"
[[ $("$KIOSKCTL" counters get rating.very_satisfied) == *'"value":1'* ]] || fail "rating not counted"

# The same in the other language and orientations.
for o in portrait landscape; do
    for lang in zh-CN en; do
        [[ $o-$lang == portrait-zh-CN ]] && continue
        w=1080 h=1920
        [[ $o == landscape ]] && w=1920 h=1080
        run "happy-$o-$lang" happy.script --lang "$lang" --orientation "$o"
        check_pngs "$work/happy-$o-$lang/shots" $w $h >"$work/happy-$o-$lang.seen"
        want_screens "happy-$o-$lang" attract role document consent tap_card face choose preview \
            printing done rating ended
    done
done
cp "$work/happy.seen" "$work/happy-portrait-zh-CN.seen"

# Unhappy paths in both languages and orientations: each ends where it must.
for o in portrait landscape; do
    for lang in zh-CN en; do
        n=unhappy-$o-$lang w=1080 h=1920
        [[ $o == landscape ]] && w=1920 h=1080
        run "$n" unhappy.script --lang "$lang" --orientation "$o"
        check_pngs "$work/$n/shots" $w $h >"$work/$n.seen"
        want_screens "$n" staff mrz reading ended face no_license printing
        for r in staff-staffed_window ended-cancelled ended-card_removed staff-face_failed \
            no_license-not_found staff-printer_fault printing-media-empty; do
            ls "$work/$n/shots/"*"-$r-$lang.png" >/dev/null 2>&1 || fail "$n: no $r screen"
        done
        [[ ! -e $work/$n/printed.pdf ]] || fail "$n: printed despite no paper"
        for s in $all_screens; do
            grep -qw "$s" "$work/happy-$o-$lang.seen" "$work/$n.seen" || fail "$o $lang: never saw $s"
        done
    done
done
check_voice unhappy-portrait-en

# Input: tap X Y, the language toggle (the next screen is in the other language), and SDL's
# own mouse and finger events landing on the right buttons; muted, no prompt plays.
"$KIOSKCTL" config set ui.voice_mute 1 >/dev/null
run input input.script --lang zh-CN
"$KIOSKCTL" config set ui.voice_mute 0 >/dev/null
for k in role-en attract-en document-en consent-en consent-zh-CN mrz-zh-CN; do
    ls "$work/input/shots/"*"-$k.png" >/dev/null 2>&1 || fail "input: no $k screen"
done
! grep -q "lk_disp: voice" "$work/input.err" || fail "ui.voice_mute=1 still played a prompt"

# A timeout on every screen, each back to attract by itself.
"$KIOSKCTL" config set ui.screen_timeout_s 3 >/dev/null
"$KIOSKCTL" config set ui.message_timeout_s 1 >/dev/null
"$KIOSKCTL" config set printer.job_deadline_s 10 >/dev/null # the smallest the key allows
rated=$("$KIOSKCTL" counters get rating.very_satisfied)
run timeouts timeouts.script
ended=$(ls "$work/timeouts/shots" | grep -c -- '-ended-timeout-') || true
[[ $ended -eq 10 ]] || fail "$ended screens timed out to 'ended', wanted 10"
ls "$work/timeouts/shots/"*-staff-print_uncertain-* >/dev/null || fail "printing did not time out to staff"
# The rating left unanswered: straight back to attract, nothing counted.
after=$(ls "$work/timeouts/shots" | sort -n | grep -A1 -- '-rating-' | tail -1)
[[ $after == *-attract-* ]] || fail "the rating timed out to '$after', wanted attract"
[[ $("$KIOSKCTL" counters get rating.very_satisfied) == "$rated" ]] || fail "a timed-out rating was counted"

# Personal data never reaches the logs or the database.
number=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["number"])' "$work/holder.json")
! grep -rq "$number" "$work"/*.err "$LK_DB" "$LK_DB-wal" 2>/dev/null || fail "an identity number leaked"
echo "kiosk: ok"
