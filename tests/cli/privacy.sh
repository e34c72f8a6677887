#!/usr/bin/env bash
# privacy.sh: PIPL — no identity number imported ever lands in plain text anywhere the kiosk
# writes: the database file, its WAL (copied right after the import, before any checkpoint),
# or what kioskctl prints on stdout and stderr, lookups and `records show` included.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
: "${LK_TEST_DATA:?LK_TEST_DATA must point at tests/data}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LK_TODAY=20261122
unset LK_DB LK_SECRET_FILE
db="$work/kiosk.db"
log="$work/all-output.log"
failures=0
: >"$log"

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# k ARGS...: runs kioskctl, appending stdout and stderr to the log that is searched at the end.
k() {
    local rc=0
    timeout 300 "$KIOSKCTL" --db "$db" "$@" >"$work/out" 2>"$work/err" || rc=$?
    cat "$work/out" "$work/err" >>"$log"
    return $rc
}

# must_not_contain FILE WHAT: none of the numbers may occur in FILE (as bytes).
must_not_contain() {
    local hits
    hits=$(grep -a -o -F -f "$work/numbers" "$1" | sort -u | head -3 || :)
    [[ -z $hits ]] || fail "$2 contains identity numbers (e.g. ${hits//$'\n'/, })"
}

timeout 120 "$KIOSKCTL" records generate --count 2000 --seed 99 >"$work/gen.jsonl"
# The samples add hand-written numbers, passports and the bad file's rejected lines.
cat "$work/gen.jsonl" "$LK_TEST_DATA/records-sample.jsonl" >"$work/all.jsonl"

# Every doc_number of every record, holder and agents, from every file imported.
python3 - "$work/all.jsonl" "$LK_TEST_DATA/records-bad.jsonl" >"$work/numbers" <<'EOF'
import json, sys
nums = set()
for path in sys.argv[1:]:
    for raw in open(path, "rb"):
        try:
            d = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(d, dict):
            continue
        people = [d.get("holder")] + list(d.get("agents") or [])
        for p in people:
            if isinstance(p, dict) and isinstance(p.get("doc_number"), str) and len(p["doc_number"]) >= 5:
                nums.add(p["doc_number"])
for n in sorted(nums):
    print(n)
EOF
count=$(wc -l <"$work/numbers")
[[ $count -ge 2000 ]] || fail "only $count numbers extracted"
# The check itself must be able to fail: the import file does contain them.
grep -q -F -f "$work/numbers" "$work/all.jsonl" || fail "the search finds nothing even in the input"

# The import checkpoints (and truncates) the WAL after its commit, and kioskctl's close is the
# last connection's close, which checkpoints and deletes it. A second connection inside a read
# transaction, as a kiosk session reading a license would be, keeps every frame in the WAL.
k counters >/dev/null || fail "cannot create the database"
timeout 300 python3 - "$db" "$work/stop" <<'EOF' &
import os, sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN")
con.execute("SELECT count(*) FROM licenses").fetchall()
open(sys.argv[2] + ".ready", "w").close()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
con.close()
EOF
holder_pid=$!
for _ in $(seq 100); do [[ -e $work/stop.ready ]] && break; sleep 0.1; done
k records import "$work/all.jsonl" || fail "import failed: $(cat "$work/err")"
# Right after the import, before anything else runs: what is in the WAL now is what a power
# cut would leave on disk.
if [[ -s $db-wal ]]; then
    cp "$db-wal" "$work/wal-copy"
else
    fail "no WAL file after the import although a reader held the database open"
fi
touch "$work/stop"
wait "$holder_pid" || fail "the WAL-holding reader failed"
cp "$db" "$work/db-copy"
k records import "$LK_TEST_DATA/records-bad.jsonl" && fail "the bad file imported without errors"
[[ -e $db-wal ]] && cp "$db-wal" "$work/wal-copy2"

# Lookups and display of people whose numbers were imported.
first=$(head -n 1 "$work/numbers")
holder=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["holder"]["doc_number"])' "$work/gen.jsonl")
uscc=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["uscc"])' "$work/gen.jsonl")
k records find --id "$holder" || fail "find --id failed"
grep -q "$uscc" "$work/out" || fail "find --id did not find the generated holder's license"
k records find --id 11010519491231002X || fail "find --id (sample) failed"
k records find --doc passport:E12345678 || fail "find --doc failed"
k records find --doc "resident_id:$first" || :
k records show "$uscc" || fail "show failed"
k records show 914403001922038216 || fail "show (sample) failed"
k audit list || fail "audit list failed"
k audit verify || fail "audit verify failed"
k counters || fail "counters failed"
k config list || fail "config list failed"
# What the lookups were given is the one place the number legitimately appears (argv), not
# in anything printed.

for f in "$work/db-copy" "$work/wal-copy" "$work/wal-copy2"; do
    [[ -e $f ]] && must_not_contain "$f" "$(basename "$f")"
done
# After close (SQLite checkpoints the WAL into the file on the last close).
must_not_contain "$db" "the database after close"
[[ -e $db-wal ]] && must_not_contain "$db-wal" "the WAL after close"
must_not_contain "$log" "kioskctl output"
[[ -s $log ]] || fail "no output captured"

if [[ $failures -ne 0 ]]; then
    echo "privacy.sh: $failures failure(s)" >&2
    exit 1
fi
echo "privacy.sh: all passed ($count numbers checked)"
