#!/usr/bin/env bash
# import_kill.sh: an import killed with SIGKILL at any moment leaves the database intact and
# exactly as before (or, had it finished, as after): never half an import. Each kill hits a
# fresh copy of a database that already holds the 20-record sample; a complete import at the
# end gives the "after" count.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
: "${LK_TEST_DATA:?LK_TEST_DATA must point at tests/data}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LK_TODAY=20261122
unset LK_DB LK_SECRET_FILE
failures=0
count=${LK_KILL_RECORDS:-200000}

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

sql() { # DB SQL
    timeout 300 sqlite3 "$1" "$2"
}

timeout 300 "$KIOSKCTL" records generate --count "$count" --seed 1 >"$work/big.jsonl"

# The base: the sample, imported normally.
mkdir "$work/base"
timeout 60 "$KIOSKCTL" --db "$work/base/kiosk.db" records import \
    "$LK_TEST_DATA/records-sample.jsonl" >/dev/null
before=$(sql "$work/base/kiosk.db" 'SELECT count(*) FROM licenses')
[[ $before -eq 20 ]] || fail "base holds $before licenses, expected 20"
audit_before=$(sql "$work/base/kiosk.db" 'SELECT count(*) FROM audit')
# "After" is the sample plus every distinct generated code not already in it.
full=$(cat "$LK_TEST_DATA/records-sample.jsonl" "$work/big.jsonl" |
    grep -o '"uscc":"[^"]*"' | sort -u | wc -l)

# check_state DIR LABEL: integrity ok and the license count one of the two allowed values.
check_state() {
    local db=$1/kiosk.db ic n audit orphans docs
    ic=$(sql "$db" 'PRAGMA integrity_check' 2>&1 || :)
    [[ $ic == ok ]] || fail "$2: integrity_check: $(head -n 1 <<<"$ic") ($(wc -l <<<"$ic") lines)"
    n=$(sql "$db" 'SELECT count(*) FROM licenses' 2>&1 || :)
    audit=$(sql "$db" 'SELECT count(*) FROM audit' 2>&1 || :)
    # Lookup entries belong to license rows, and each row lists exactly its own, in either state.
    orphans=$(sql "$db" 'SELECT count(*) FROM collector_docs WHERE license_id NOT IN (SELECT id FROM licenses)')
    [[ $orphans -eq 0 ]] || fail "$2: $orphans orphan collectors"
    docs=$(sql "$db" 'SELECT (SELECT count(*) FROM collector_docs) -
        (SELECT COALESCE(sum(length(collector_macs)), 0) / 32 FROM licenses)')
    [[ $docs == 0 ]] || fail "$2: lookup entries and license rows disagree ($docs)"
    if [[ $n == "$before" ]]; then
        [[ $audit == "$audit_before" ]] || fail "$2: licenses as before but audit rows $audit"
    elif [[ $n == "$full" ]]; then
        echo "$2: the import had finished ($n licenses)"
    else
        fail "$2: $n licenses, expected $before (before) or $full (after)"
    fi
    timeout 120 "$KIOSKCTL" --db "$db" audit verify >/dev/null ||
        fail "$2: audit verify failed after the kill"
}

for delay in 0.05 0.2 0.5 1 2; do
    dir="$work/kill-$delay"
    cp -r "$work/base" "$dir"
    rc=0
    # timeout sends SIGKILL itself after the delay: the kill -9 lands on kioskctl directly.
    # (The braces keep bash's "Killed" job notice out of the test log.)
    { timeout -s KILL "$delay" "$KIOSKCTL" --db "$dir/kiosk.db" records import \
        "$work/big.jsonl" >"$dir/out" 2>"$dir/err"; } 2>/dev/null || rc=$?
    if [[ $rc -ne 137 && $rc -ne 0 ]]; then
        fail "delay $delay: import exited $rc: $(head -c 300 "$dir/err")"
    fi
    check_state "$dir" "kill after ${delay}s"
    # The interrupted database must accept the next import (no stale lock, nothing half-done).
    timeout 120 "$KIOSKCTL" --db "$dir/kiosk.db" records import \
        "$LK_TEST_DATA/records-sample.csv" >/dev/null || fail "delay $delay: next import failed"
    rm -rf "$dir"
done

# Finally a complete import: the "after" state.
dir="$work/complete"
cp -r "$work/base" "$dir"
if timeout 500 "$KIOSKCTL" --db "$dir/kiosk.db" records import "$work/big.jsonl" >"$dir/out" \
    2>"$dir/err"; then
    n=$(sql "$dir/kiosk.db" 'SELECT count(*) FROM licenses')
    [[ $n -eq $full ]] || fail "complete import: $n licenses, expected $full"
    grep -q "\"lines\":$count," "$dir/out" || fail "complete import summary: $(cat "$dir/out")"
    ic=$(sql "$dir/kiosk.db" 'PRAGMA quick_check')
    [[ $ic == ok ]] || fail "complete import: quick_check: $(head -n 1 <<<"$ic") ($(wc -l <<<"$ic") lines)"
else
    fail "complete import failed: $(head -c 300 "$dir/err")"
fi

if [[ $failures -ne 0 ]]; then
    echo "import_kill.sh: $failures failure(s)" >&2
    exit 1
fi
echo "import_kill.sh: all passed"
