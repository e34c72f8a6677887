#!/usr/bin/env bash
# bench_kiosk: one complete scripted session of the kiosk (tests/data/kiosk/happy.script) with
# zero think time, instant simulated devices (reader, face matcher) and the simulated printer
# rendering each copy to PDF (in lk-render-helper), headless with no screenshots; first with the
# simulated camera (1000 fps, frames computed in RGB), then with the file camera on a 640 x 480
# JPEG at 30 fps, so each frame's decode (on the camera adapter's worker thread) is in the run.
# The kiosk prints one JSON object per run ("camera" says which): cold start to the first
# attract frame, session time split by stage (with and without the printing stage), frame time
# p50/p99 (all the loop ran between two frame ticks: events, session, camera frames, UI) and
# draw time alone, the kiosk's peak RSS and that of its largest child (lk-render-helper).
# Usage: bench_kiosk.sh BUILD_DIR [RUNS]
set -euo pipefail
build=${1:?usage: bench_kiosk.sh BUILD_DIR [RUNS]}
runs=${2:-3}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lk-bench-kiosk.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LK_DB=$work/k.db
"$build/tools/kioskctl" records generate --count 1000 --seed 5 >"$work/r.jsonl"
"$build/tools/kioskctl" records import "$work/r.jsonl" >/dev/null
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
for line in open(w + "/r.jsonl"):
    r = json.loads(line)
    h = r["holder"]
    if r["status"] == "approved" and h["doc_type"] == "resident_id" and r["duplicates"] == 1:
        json.dump({"doc_type": "resident_id", "number": h["doc_number"], "name": h["name"]},
                  open(w + "/holder.json", "w"), ensure_ascii=False)
        break
PY
# A visitor arrives after the kiosk has warmed its screens' text (a few seconds after boot).
{ echo "wait-warm 60000"; cat "$src/tests/data/kiosk/happy.script"; } >"$work/happy.script"
tag() { sed "s/^{\"bench\":\"kiosk_session\"/&,\"camera\":\"$1\",\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"/"; }
for _ in $(seq "$runs"); do
    "$build/tools/kiosk/kiosk" --headless --fast --script "$work/happy.script" \
        --print-dir "$work" --voice /nonexistent --stats - | tag sim
done
# A camera-sized JPEG (the printed page, scaled: dense detail, so a pessimistic decode).
mkdir "$work/cam"
pdftoppm -jpeg -jpegopt quality=85 -scale-to-x 640 -scale-to-y 480 -singlefile \
    "$work/printed.pdf" "$work/cam/frame"
"$build/tools/kioskctl" config set camera.source "$work/cam" >/dev/null
"$build/tools/kioskctl" config set camera.fps 30 >/dev/null
for _ in $(seq "$runs"); do
    "$build/tools/kiosk/kiosk" --headless --fast --camera file --script "$work/happy.script" \
        --print-dir "$work" --voice /nonexistent --stats - | tag file
done
