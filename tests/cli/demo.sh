#!/usr/bin/env bash
# demo: `tools/demo --headless DIR` as a user runs it, with DIR relative to the caller's
# directory, on this build tree (LK_DEMO_BUILD_DIR: no bootstrap, no build). It must take the
# real device path (registry-sim, pn532-sim passport, camera file source, face-test, CUPS rig):
# DIR/printed.pdf names the demo license (pdftotext) and its QR decodes to the record's payload
# (zbarimg), DIR/shots/ holds a PNG per screen, the session's lookup asked registry-sim (audit
# row lookup.done, source registry) and the print report reached it; nothing the demo started
# is left running. Then a real run that fails (no temporary directory to be had) must fail the
# demo visibly, with no fallback to the simulated devices and no old screenshots left in DIR.
set -euo pipefail

: "${KIOSKCTL:?}" "${LK_BUILD_DIR:?}" "${LK_SOURCE_DIR:?}"
for tool in cupsd ippeveprinter pdftotext pdftoppm zbarimg curl; do
    command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing"; exit 77; }
done
work=$(mktemp -d)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir "$work/tmp" "$work/state" "$work/caller"
export LK_DEMO_BUILD_DIR=$LK_BUILD_DIR LK_DEMO_STATE_DIR=$work/state
unset LK_DEMO_SIM LK_DB LK_SECRET_FILE DISPLAY WAYLAND_DISPLAY
rel=demo-out-$$

rc=0
t0=$SECONDS
(cd "$work/caller" && TMPDIR=$work/tmp timeout 300 "$LK_SOURCE_DIR/tools/demo" --headless "$rel") \
    >"$work/demo.out" 2>"$work/demo.err" || rc=$?
echo "demo.sh: the demo ran $((SECONDS - t0)) s" >&2
[[ $rc -eq 0 ]] || { cat "$work/demo.out" "$work/demo.err" >&2; fail "tools/demo exited $rc"; }
out=$work/caller/$rel
[[ ! -e $LK_SOURCE_DIR/$rel ]] || { rm -rf "${LK_SOURCE_DIR:?}/$rel"; fail "DIR landed in the repository"; }
grep -q '^== kiosk, headless, real adapters' "$work/demo.out" || fail "not the real devices: $(cat "$work/demo.out")"
! grep -qi 'simulated devices' "$work/demo.out" || fail "fell back: $(cat "$work/demo.out")"

# The printed license.
[[ -s $out/printed.pdf && $(head -c 5 "$out/printed.pdf") == "%PDF-" ]] || fail "no printed.pdf in $out"
uscc=$(cat "$work/state/real.uscc")
pdftotext "$out/printed.pdf" - | tr -d ' \n' | grep -qF "$uscc" || fail "printed.pdf lacks the USCC $uscc"
export LK_DB=$work/state/real.db
payload=$("$KIOSKCTL" records show "$uscc" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r.get("qr_payload") or "http://www.gsxt.gov.cn/index.html?uniscid=" + r["uscc"])')
pdftoppm -r 150 -png -singlefile "$out/printed.pdf" "$work/page"
qr=$(zbarimg --quiet --raw -Sdisable -Sqrcode.enable "$work/page.png" 2>/dev/null | head -n1) ||
    fail "no QR code on the printed page"
[[ $qr == "$payload" ]] || fail "QR decodes to '$qr', want '$payload'"
n=$(find "$out/shots" -name '*.png' | wc -l)
[[ $n -ge 8 ]] || fail "only $n screenshots in $out/shots"
ls "$out/shots" | grep -q -- '-done' || fail "no done screen: $(ls "$out/shots")"

# The registry: asked at lookup, told of the print.
"$KIOSKCTL" audit list >"$work/audit.jsonl"
grep '"lookup.done"' "$work/audit.jsonl" | grep -q 'source\\":\\"registry\|"source":"registry"' ||
    fail "no lookup.done from the registry: $(grep lookup "$work/audit.jsonl")"
grep -q '^== the registry received 1 print report' "$work/demo.out" ||
    fail "the print was not reported: $(cat "$work/demo.out")"

# Everything the demo started is gone (its simulators and daemons ran under its TMPDIR).
sleep 0.5
left=$(pgrep -af -- "$work/tmp" || true)
[[ -z $left ]] || fail "left running: $left"
[[ -z $(ls -A "$work/tmp") ]] || fail "left behind in TMPDIR: $(ls -A "$work/tmp")"

# A failing real run: the demo says so and exits non-zero; no simulated run, no stale shots.
mkdir -p "$out/shots"
touch "$out/shots/99-stale.png"
rc=0
(cd "$work/caller" && TMPDIR=$work/none timeout 120 "$LK_SOURCE_DIR/tools/demo" --headless "$rel") \
    >"$work/fail.out" 2>"$work/fail.err" || rc=$?
[[ $rc -ne 0 ]] || fail "a failed real run still exited 0: $(cat "$work/fail.out")"
grep -q 'demo-real failed' "$work/fail.err" || fail "no failure message: $(cat "$work/fail.err")"
! grep -q 'simulated devices' "$work/fail.out" || fail "fell back silently to the simulated devices"
[[ ! -e $out/shots/99-stale.png && ! -e $out/printed.pdf ]] || fail "old results left in $out"
echo "demo: ok"
