#!/usr/bin/env bash
# face.sh: `kioskctl face verify`, `kioskctl plugin check` and `kioskctl idcard read` against
# the real plug-ins in their isolated worker: exit 0 with the documented JSON whenever the
# plug-in answered (match or not), {"error":...} and exit 1 for a crash, hang, garbage or
# memory blow-up — within the configured time limit — and the audit row free of image bytes.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
: "${LK_PLUGIN_DIR:?LK_PLUGIN_DIR must point at the built plug-ins}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LK_DB="$work/kiosk.db"
plug=$LK_PLUGIN_DIR
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

run() {
    local want=$1 rc=0
    shift
    "$KIOSKCTL" "$@" >"$work/out" 2>"$work/err" || rc=$?
    out=$(cat "$work/out")
    err=$(cat "$work/err")
    if [[ $rc -ne $want ]]; then
        fail "kioskctl $* exited $rc, expected $want (stdout: $out, stderr: $err)"
        return 1
    fi
}

expect() {
    if ! python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert isinstance(d, dict), "not one JSON object"
if not eval("(" + sys.argv[2] + ")"):
    sys.exit(1)
' "$out" "$1" 2>"$work/py"; then
        fail "expected $1 in: $out $(cat "$work/py")"
    fi
}

# Two "photos": the bytes are what the plug-in receives; the marker must never reach the log.
python3 -c 'import sys; sys.stdout.buffer.write(b"\xff\xd8" + b"IMAGEMARKER" * 300 + b"\xff\xd9")' >"$work/id.jpg"
cp "$work/id.jpg" "$work/live.jpg"
verify() { run "$1" face verify --plugin "$plug/face-test.so" --config "$2" \
    --id-photo "$work/id.jpg" --live "$work/live.jpg" --live "$work/live.jpg"; }

# --- answers: exit 0 whatever the verdict
verify 0 mode=match && expect 'd["match"] is True and d["score"] == 0.93 and d["threshold"] == 0.8
    and d["liveness"] == "pass" and d["plugin"]["name"] == "face-test"
    and d["plugin"]["version"] == "1.0.0" and d["best_frame"] == 1'
verify 0 mode=nomatch && expect 'd["match"] is False and d["outcome"] == "no-match"'
verify 0 mode=noliveness && expect 'd["match"] is False and d["liveness"] == "fail"'
"$KIOSKCTL" config set face.threshold 0.95 >/dev/null
verify 0 mode=match && expect 'd["match"] is False and d["threshold"] == 0.95'
"$KIOSKCTL" config set face.threshold vendor >/dev/null
verify 0 "mode=match score=0.81" && expect 'd["match"] is True and d["threshold"] == 0.8'

# --- failures: {"error"} and exit 1, bounded by face.time_limit_ms
"$KIOSKCTL" config set face.time_limit_ms 1500 >/dev/null
"$KIOSKCTL" config set face.memory_limit_mb 64 >/dev/null
declare -A why=([crash]="signal 11" [hang]="1500 ms" [garbage]="malformed" [oom]="memory limit")
for mode in crash hang garbage oom; do
    start=$(date +%s%N)
    verify 1 "mode=$mode" && expect 'list(d) == ["error"] and "'"${why[$mode]}"'" in d["error"]'
    ms=$((($(date +%s%N) - start) / 1000000))
    # Generous: the point is that a plug-in that never returns still ends (2 shared cores).
    ((ms < 10000)) || fail "mode=$mode took $ms ms with a 1500 ms limit"
done
run 1 face verify --plugin "$plug/fake-face-bad-major.so" --id-photo "$work/id.jpg" \
    --live "$work/live.jpg" && expect '"ABI 2.0" in d["error"]'
run 2 face verify --plugin "$plug/face-test.so" --id-photo "$work/id.jpg" || :
run 1 face verify --plugin "$plug/face-test.so" --id-photo "$work/none.jpg" \
    --live "$work/live.jpg" || :

# --- the audit log has outcome, score and plug-in, never image bytes
run 0 audit list && [[ $out == *'"event":"face.check"'* ]] || fail "no face.check audit row"
[[ $out == *'"plugin":"face-test/1.0.0"'* ]] || fail "audit row without plug-in name/version"
! grep -q IMAGEMARKER "$LK_DB"* || fail "image bytes in the database"
run 0 audit verify || :

# --- conformance checker
run 0 plugin check "$plug/face-test.so" && expect 'd["ok"] and d["kind"] == "face"
    and [c["check"] for c in d["checks"]] == ["file", "load", "descriptor", "sizes", "smoke"]'
run 0 plugin check "$plug/fake-face-future-minor.so" && expect 'd["ok"]'
for bad in bad-major no-entry short-desc short-ops bad-magic; do
    run 1 plugin check "$plug/fake-face-$bad.so" && expect 'd["ok"] is False
        and any(c["check"] == "load" and not c["ok"] for c in d["checks"])'
done
run 1 plugin check "$plug/face-test.so" --config mode=crash && expect 'not d["checks"][-1]["ok"]'
cp "$plug/face-test.so" "$work/loose.so"
chmod 666 "$work/loose.so"
run 1 plugin check "$work/loose.so" && expect '"writable" in d["checks"][0]["detail"]'

# --- the reference OpenCV plug-in (when built): an answer with honest quality flags on a
# picture that holds no face (a grey ramp), within its memory limit
if [[ -e $plug/face-opencv.so ]]; then
    "$KIOSKCTL" config set face.time_limit_ms 20000 >/dev/null
    "$KIOSKCTL" config set face.memory_limit_mb 512 >/dev/null
    python3 -c '
import struct, sys, zlib
w = h = 64
raw = b"".join(b"\0" + bytes((x * 4) & 255 for x in range(w)) for _ in range(h))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
' >"$work/ramp.png"
    run 0 plugin check "$plug/face-opencv.so" && expect 'd["ok"]'
    run 0 face verify --plugin "$plug/face-opencv.so" --id-photo "$work/ramp.png" \
        --live "$work/ramp.png" && expect 'd["match"] is False and d["quality"] & 1
        and d["score"] == 0 and d["liveness"] == "not-checked"'
fi

# --- SAM reader: a card from a file, its number masked on output
printf 'name=张三\nsex=1\nid=11010519491231002X\nuntil=20400101\nsam=05.01-1\n' >"$work/card"
run 0 plugin check "$plug/idreader-sim.so" --config "card=$work/card" &&
    expect 'd["ok"] and d["kind"] == "idreader"'
if run 0 idcard read --plugin "$plug/idreader-sim.so" --config "card=$work/card" \
    --photo "$work/photo.ppm"; then
    expect 'd["id_number"] == "1101**********002X" and d["name"] == "张*"
        and d["photo"] == {"width": 102, "height": 126, "bytes": 38556}'
    [[ $out != *11010519491231002X* ]] || fail "idcard read printed the full ID number"
    [[ $(head -c 2 "$work/photo.ppm") == P6 ]] || fail "no PPM photo written"
fi
mkdir "$work/reader"
run 1 idcard read --plugin "$plug/idreader-sim.so" --config "dir=$work/reader" \
    --timeout-ms 200 && expect '"no card" in d["error"]'
printf 'fault=read-fail\n' >"$work/bad-card"
run 1 idcard read --plugin "$plug/idreader-sim.so" --config "card=$work/bad-card" &&
    expect 'd["vendor_code"] == 65'

if [[ $failures -ne 0 ]]; then
    echo "face.sh: $failures failure(s)" >&2
    exit 1
fi
echo "face.sh: all passed"
