#!/usr/bin/env bash
# kiosk_usb: a USB stick arriving at the running kiosk (headless, simulated devices; no USB bus
# here, so the arrival is injected with the script's `usb arrive`, which the libusb adapter's
# hotplug or enumeration would report the same way). The kiosk looks at usb.mount_point (a
# folder), applies the signed bundle on a worker (the setting is in force, the audit has
# bundle.apply by kiosk:usb, the export the bundle asked for is on the stick and verifies) and
# shows the result page on the attract screen; then a stick with a foreign-signed bundle and
# the same version again shows both refusals and why, and nothing changes. A mount point that
# is still an empty folder when the stick arrives is watched for usb.mount_wait_s (the OS mounts
# a moment later); an apply killed mid-way (test builds) is repaired when the kiosk restarts,
# which then draws the string override of the bundle in force (assets take effect at a start).
set -euo pipefail
: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
work=$(mktemp -d)
[[ -z ${KEEP_WORK:-} ]] || echo "kiosk_usb: work in $work" >&2
trap '[[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
KIOSK=${KIOSK:-$LK_BUILD_DIR/tools/kiosk/kiosk}
unset LK_STATE_DIR LK_ADMIN_PUBKEY LK_NOW LK_LOG_FILE LK_SECRET_FILE
mkdir "$work/state" "$work/stick" "$work/b"
export LK_DB=$work/state/k.db
k() { timeout 60 "$KIOSKCTL" "$@"; }
val() { k config get "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])'; }

k bundle keygen "$work/admin.key" "$work/state/admin.pub" >/dev/null
k bundle keygen "$work/other.key" "$work/other.pub" >/dev/null
k config set usb.mount_point "$work/stick" >/dev/null
k config set printer.calibration_x_01mm 0 >/dev/null
echo '{"printer.calibration_x_01mm":"12"}' >"$work/b/settings.json"
k bundle create --version 4 --export --key "$work/admin.key" -o "$work/stick/config-4.lkb" "$work/b" >/dev/null

run() { # NAME SCRIPT-TEXT
    printf '%b' "$2" >"$work/$1.script"
    mkdir -p "$work/$1"
    timeout 120 "$KIOSK" --headless --fast --script "$work/$1.script" --shots "$work/$1" \
        --print-dir "$work/$1" 2>"$work/$1.err" || { cat "$work/$1.err" >&2; fail "$1: kiosk failed"; }
}
# The result page comes up by itself on attract; OK returns to attract (no menu behind it).
run good 'wait attract\nusb arrive\nwait diag_bundle-applied 20000\ntap ok\nwait attract\n'
ls "$work/good" | grep -q -- '-diag_bundle-applied-' || fail "no applied page: $(ls "$work/good")"
grep -q 'config-4.lkb: version 4 applied' "$work/good.err" || fail "result: $(cat "$work/good.err")"
[[ $(val printer.calibration_x_01mm) == 12 ]] || fail "setting not in force"
exp=$(find "$work/stick" -mindepth 1 -maxdepth 1 -type d | head -n1)
[[ -n $exp ]] || fail "no export on the stick"
grep -qF "export written to $exp" "$work/good.err" || fail "export not reported: $(cat "$work/good.err")"
k bundle verify-export "$exp" | grep -q '"valid":true' || fail "export does not verify"

# A foreign key's bundle and the applied version again: both refused, each with its reason.
k bundle create --version 5 --key "$work/other.key" -o "$work/stick/foreign-5.lkb" "$work/b" >/dev/null
k config set printer.calibration_x_01mm 3 >/dev/null
run bad 'wait attract\nusb arrive 0951:1666\nwait diag_bundle-refused 20000\nshot refused\ntap ok\nwait attract\n'
ls "$work/bad" | grep -q -- '-diag_bundle-refused-' || fail "no refused page: $(ls "$work/bad")"
grep -q 'config-4.lkb: refused: older-or-equal-version' "$work/bad.err" || fail "equal version: $(cat "$work/bad.err")"
grep -q 'foreign-5.lkb: refused: unknown-key: signed by key' "$work/bad.err" || fail "foreign key: $(cat "$work/bad.err")"
[[ $(val printer.calibration_x_01mm) == 3 ]] || fail "a refused bundle changed configuration"

# A stick arriving during a customer session: applied, but the page waits for diagnostics.
rm "$work/stick/"*.lkb
k bundle create --version 6 --key "$work/admin.key" -o "$work/stick/config-6.lkb" "$work/b" >/dev/null
run busy 'wait attract\ntap start\nwait role\nusb arrive\nsleep 1500\nwait role\ntap cancel\nwait ended\n'
grep -q 'config-6.lkb: version 6 applied' "$work/busy.err" || fail "busy: $(cat "$work/busy.err")"
ls "$work/busy" | grep -q diag_bundle && fail "result page over a customer's screen"

k audit list --limit 1000 >"$work/audit.jsonl"
python3 - "$work/audit.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if len(rows) == 1 and isinstance(rows[0], dict) and "rows" in rows[0]:
    rows = rows[0]["rows"]
ev = [(r.get("actor"), r.get("action") or r.get("event")) for r in rows]
assert ev.count(("kiosk:usb", "bundle.apply")) == 2, ev
assert ev.count(("kiosk:usb", "bundle.reject")) == 2, ev
PY
k audit verify >/dev/null || fail "audit chain"

# The OS mounts the stick a moment after it arrives: the folder is there but empty at first.
rm -f "$work/stick/"*.lkb
rm -rf "$work/stick/"lk-export-*
# It brings a string override: the running kiosk says it takes effect at the next start.
mkdir -p "$work/b/assets/i18n" && echo '{"attract.title":"v7"}' >"$work/b/assets/i18n/zh-CN.json"
k bundle create --version 7 --key "$work/admin.key" -o "$work/config-7.lkb" "$work/b" >/dev/null
: >"$work/late.err"
( # "mounts" (one rename, as a mount appears at once) a second after the kiosk saw the arrival
    for _ in $(seq 600); do grep -q 'usb: arrived' "$work/late.err" && break; sleep 0.1; done
    sleep 1
    mv "$work/config-7.lkb" "$work/stick/config-7.lkb"
) &
filler=$!
run late 'wait attract\nusb arrive\nwait diag_bundle-applied 30000\ntap ok\nwait attract\n'
wait "$filler"
grep -q 'config-7.lkb: version 7 applied' "$work/late.err" || fail "late mount: $(cat "$work/late.err")"
grep -q 'nothing mounted' "$work/late.err" && fail "late mount given up: $(cat "$work/late.err")"
grep -q '1 asset(s) take effect when the kiosk restarts' "$work/late.err" ||
    fail "no restart note for assets: $(cat "$work/late.err")"
# Never mounted: the kiosk gives up after usb.mount_wait_s and says why.
rm -f "$work/stick/"*.lkb
k config set usb.mount_wait_s 1 >/dev/null
run never 'wait attract\nusb arrive\nsleep 3000\nwait attract\n'
grep -q "no bundle: nothing mounted at $work/stick yet" "$work/never.err" ||
    fail "empty mount point: $(cat "$work/never.err")"

# Killed in the middle of its own USB apply (test builds only), the kiosk repairs the state the
# next time it starts, before it reads any configuration: old or new, never a mix.
if [[ ${LK_TEST_HOOKS:-0} == 1 ]]; then
    v=8
    for step in installed committed; do
        k config set printer.calibration_x_01mm 3 >/dev/null
        echo '{"printer.calibration_x_01mm":"'$v'"}' >"$work/b/settings.json"
        echo '{"attract.title":"v'$v'"}' >"$work/b/assets/i18n/zh-CN.json"
        rm -f "$work/stick/"*.lkb
        k bundle create --version $v --key "$work/admin.key" -o "$work/stick/c-$v.lkb" "$work/b" >/dev/null
        printf 'wait attract\nusb arrive\nwait diag_bundle-applied 20000\n' >"$work/kill.script"
        rc=0
        { LK_BUNDLE_KILL_AFTER=$step timeout 120 "$KIOSK" --headless --fast --script "$work/kill.script" \
            --print-dir "$work" 2>"$work/kill-$step.err"; } 2>/dev/null || rc=$?
        [[ $rc -eq 137 ]] || fail "kiosk kill after $step: exit $rc: $(tail -3 "$work/kill-$step.err")"
        # Before the restart the files are half-way: a version folder the database never
        # committed (installed), or `current` still at the old one (committed).
        cur=$(readlink "$work/state/bundles/current")
        case $step in
        installed) [[ -d $work/state/bundles/$v && $cur != "$v" ]] || fail "after kill at $step: $(ls "$work/state/bundles")" ;;
        committed) [[ $cur != "$v" ]] || fail "after kill at $step: current already $cur" ;;
        esac
        # The restarted kiosk draws the title of the bundle in force: v7's, or the new one's.
        [[ $step == installed ]] && title=v7 || title=v$v
        run "restart-$step" "wait attract\nstring attract.title $title\n"
        cur=$(readlink "$work/state/bundles/current")
        if [[ $step == installed ]]; then
            [[ ! -e $work/state/bundles/$v && $cur == 7 ]] ||
                fail "restart after $step: current=$cur, $(ls "$work/state/bundles")"
            [[ $(val printer.calibration_x_01mm) == 3 ]] || fail "restart after $step: new setting in force"
        else
            [[ $cur == "$v" && $(cat "$work/state/bundles/current/assets/i18n/zh-CN.json") == *'"v'$v'"'* ]] ||
                fail "restart after $step: current=$cur"
            [[ $(val printer.calibration_x_01mm) == "$v" ]] || fail "restart after $step: old setting"
        fi
        v=$((v + 1))
    done
else
    echo "kiosk_usb: SKIP kill during the kiosk's apply: built without LK_TEST_HOOKS" >&2
fi
echo "kiosk_usb: ok"
