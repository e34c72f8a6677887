#!/usr/bin/env bash
# usb.sh: `kioskctl usb`: the inventory is valid JSON whatever is plugged in (this VM may have
# no USB at all: zero devices is an answer, not a failure); the watch loop starts in hotplug or
# polling mode and ends on time; an injected mass-storage arrival looks for bundles at the
# configured mount point (a folder here) and applies them; an empty folder is "not mounted yet",
# an empty file system mounted there is a stick without bundles.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LK_DB LK_SECRET_FILE LK_STATE_DIR LK_ADMIN_PUBKEY
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
k() { timeout 60 "$KIOSKCTL" "$@"; }
json() {
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
cd "$work"
mkdir kiosk stick
export LK_DB=$work/kiosk/kiosk.db

for mode in "" --polling; do
    # shellcheck disable=SC2086
    out=$(k usb list $mode) || fail "usb list $mode: exit $?"
    json "$out" 'isinstance(d["devices"], list) and d["count"] == len(d["devices"]) and all(":" in x["id"] for x in d["devices"])' ||
        fail "usb list $mode: $out"
done
out=$(k usb watch --seconds 1 --polling --mount "$work/stick") || fail "usb watch: $out"
json "$(head -n 1 <<<"$out")" 'd["event"]=="watching" and d["mode"]=="polling"' || fail "watch: $out"
out=$(k usb watch --seconds 1 --mount "$work/stick") || fail "usb watch: $out"
json "$(head -n 1 <<<"$out")" 'd["mode"] in ("hotplug","polling")' || fail "watch: $out"

# A stick with a bundle, at the mount point named in configuration.
k bundle keygen admin.key kiosk/admin.pub >/dev/null
mkdir b && echo '{"ui.language":"en"}' >b/settings.json
k bundle create --version 4 --key admin.key -o stick/config-4.lkb b >/dev/null
echo 'not a bundle' >stick/junk.lkb
k config set usb.mount_point "$work/stick" >/dev/null
out=$(k usb arrive --apply) || fail "usb arrive: $out"
grep -q '"event":"arrived"' <<<"$out" || fail "no arrival event: $out"
[[ $(grep -c '"event":"bundle-found"' <<<"$out") -eq 2 ]] || fail "bundles found: $out"
grep -q '"applied":true,"version":4' <<<"$out" || fail "config-4 not applied: $out"
grep -q '"applied":false.*"reason":"malformed"' <<<"$out" || fail "junk not refused: $out"
[[ $(k config get ui.language) == *'"value":"en"'* ]] || fail "setting not in force"
# No stick mounted: said so, exit 1.
rc=0
k usb arrive --mount "$work/none" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 1 ]] || fail "arrive without a mount: exit $rc"
# An empty folder is a mount point the OS has not mounted yet: not a stick without bundles.
mkdir empty
rc=0
err=$(k usb arrive --mount "$work/empty" 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 1 && $err == *"nothing mounted at $work/empty"* ]] || fail "empty mount point: $rc $err"
# The same folder with a file system mounted on it (its own device) is a mounted, empty stick.
if unshare -rm true 2>/dev/null; then
    out=$(unshare -rm sh -c 'mount -t tmpfs none "$1" && exec timeout 60 "$2" usb arrive --mount "$1"' \
        sh "$work/empty" "$KIOSKCTL") || fail "an empty mounted stick: $out"
    grep -q bundle-found <<<"$out" && fail "bundles on an empty stick: $out"
else
    echo "usb.sh: SKIP empty mounted stick: no unshare here" >&2
fi
rc=0
k usb frob >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "usb frob: exit $rc"

if [[ $failures -ne 0 ]]; then
    echo "usb.sh: $failures failure(s)" >&2
    exit 1
fi
echo "usb.sh: all passed"
