#!/usr/bin/env bash
# bench_kiosk: one complete scripted session of the kiosk (tests/data/kiosk/happy.script) with
# zero think time, instant simulated devices (reader, 1000 fps camera, face matcher) and the
# simulated printer rendering each copy to PDF, headless with no screenshots. The kiosk prints
# one JSON object: cold start to the first attract frame, session time split by stage (with and
# without the printing stage, which is the renderer's PDF time), draw time per frame p50/p99,
# peak RSS. Usage: bench_kiosk.sh BUILD_DIR [RUNS]
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
for _ in $(seq "$runs"); do
    "$build/tools/kiosk/kiosk" --headless --fast --script "$work/happy.script" \
        --print-dir "$work" --voice /nonexistent --stats -
done
