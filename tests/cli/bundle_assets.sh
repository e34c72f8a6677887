#!/usr/bin/env bash
# bundle_assets: a bundle's assets take effect in the kiosk. A bundle overriding one English
# string (the attract title) and replacing the English attract prompt, and bringing a print
# template, is applied with kioskctl; the headless kiosk then draws the bundle's title where the
# built-in one was, every other string (the other language's title too) unchanged, plays the
# bundle's prompt in English and the built-in one in Chinese, and loads the bundle's print
# template instead of --template. The rejections (unknown key, non-string, bad WAV, unknown asset path) are in
# bundle.sh.
set -euo pipefail
: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
KIOSK=${KIOSK:-$LK_BUILD_DIR/tools/kiosk/kiosk}
unset LK_STATE_DIR LK_ADMIN_PUBKEY LK_LOG_FILE LK_SECRET_FILE LK_I18N_DIR LK_BUNDLE_KILL_AFTER
mkdir -p "$work/state" "$work/b/assets/i18n" "$work/b/assets/voice/en"
export LK_DB=$work/state/k.db LK_TODAY=20260101
k() { timeout 60 "$KIOSKCTL" "$@"; }

k bundle keygen "$work/admin.key" "$work/state/admin.pub" >/dev/null
title="Bundle licenses"
printf '{"attract.title":"%s"}\n' "$title" >"$work/b/assets/i18n/en.json"
python3 - "$work/b/assets/voice/en/attract.wav" <<'PY'
import struct, sys
data = bytes(3200)  # 0.1 s of 16 kHz mono silence
fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)
body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data)) + data
open(sys.argv[1], "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
PY
cp "$LK_SOURCE_DIR/assets/templates/license-2019.json" "$work/b/assets/template.json"
k bundle create --version 1 --key "$work/admin.key" -o "$work/b1.lkb" "$work/b" >/dev/null
out=$(k bundle apply "$work/b1.lkb") || fail "apply: $out"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["applied"] and d["assets"]==3 else 1)' "$out" ||
    fail "apply result: $out"
files=$work/state/bundles/1/assets

run() { # NAME SCRIPT-TEXT: a headless kiosk in English; its exit code in $rc
    printf '%b' "$2" >"$work/$1.script"
    rc=0
    LK_UI_DEBUG=1 timeout 120 "$KIOSK" --headless --strict --fast --lang en --script "$work/$1.script" \
        --print-dir "$work" 2>"$work/$1.err" || rc=$?
}
zh_title=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attract.title"])' \
    "$LK_SOURCE_DIR/assets/i18n/zh-CN.json")
run use "wait attract-en\nstring attract.title $title\nstring attract.start Touch to start\nsleep 300\ntap lang\nwait attract-zh-CN\nstring attract.title $zh_title\nsleep 300\nquit\n"
[[ $rc -eq 0 ]] || { cat "$work/use.err" >&2; fail "kiosk with the bundle's strings: exit $rc"; }
grep -q 'kiosk: bundle assets: 1 string(s) overridden, voice prompts' "$work/use.err" ||
    fail "no bundle assets at start: $(cat "$work/use.err")"
grep -qF "lk_disp: voice $files/voice/en/attract.wav" "$work/use.err" ||
    fail "the bundle's English prompt was not played: $(grep 'lk_disp: voice' "$work/use.err" || :)"
grep -q 'lk_disp: voice .*/zh-CN/attract.wav' "$work/use.err" ||
    fail "no Chinese attract prompt: $(grep 'lk_disp: voice' "$work/use.err" || :)"
grep 'lk_disp: voice .*/zh-CN/attract.wav' "$work/use.err" | grep -qF "$files" &&
    fail "a Chinese prompt came from the bundle, which has none"
grep -qF "kiosk: bundle template $files/template.json" "$work/use.err" ||
    fail "the bundle's template is not used: $(cat "$work/use.err")"

# The check itself can fail: the built-in title is no longer what the screens draw.
run builtin "wait attract-en\nstring attract.title Business licenses\nquit\n"
[[ $rc -eq 1 ]] && grep -qF "string is not as expected: attract.title: '$title'" "$work/builtin.err" ||
    fail "built-in title still drawn: exit $rc: $(cat "$work/builtin.err")"
echo "bundle_assets: ok"
