#!/usr/bin/env bash
# diag_camera.sh: the diagnostics' camera probe and capture-frame self-test through drivers/camera
# with the file source (a folder holding the test face image): first frame described, nothing
# kept; a source that yields no frame is a fault.
set -euo pipefail
: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
k() { timeout 60 "$KIOSKCTL" --db "$work/k.db" "$@"; }
json() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }
probe() { python3 -c 'import json,sys; print(json.dumps(next(p for p in json.loads(sys.argv[1])["probes"] if p["name"]=="camera")))' "$1"; }
unset LK_PRINTER
export LK_ACTOR=tech:T-2

mkdir "$work/frames"
cp "$LK_TEST_DATA/face-small.jpg" "$work/frames/"
k config set camera.source "$work/frames" >/dev/null
out=$(k diag status) || true
p=$(probe "$out")
json "$p" 'd["status"]=="normal" and d["detail"]["bytes"]>0' || fail "file camera: $p"
out=$(k diag selftest capture-frame) || fail "capture-frame: $out"
json "$out" 'd["passed"] and d["bytes"]>0 and d["source"].endswith("frames")' || fail "capture-frame: $out"

mkdir "$work/empty"
k config set camera.source "$work/empty" >/dev/null
out=$(k diag status) || true
p=$(probe "$out")
json "$p" 'd["status"]=="fault" and d["reason"]' || fail "empty source: $p"
rc=0
out=$(k diag selftest capture-frame) || rc=$?
[[ $rc -eq 1 ]] || fail "capture-frame on an empty source: exit $rc"
echo "diag_camera.sh: all passed"
