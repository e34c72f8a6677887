#!/usr/bin/env bash
# records.sh: `kioskctl records import|find|show|generate` against real SQLite files: import
# summaries, idempotent re-import, bad lines reported as FILE:LINE, lookups by holder and agent
# document, masked output only, $LK_DB instead of --db, and usage errors (exit 2).
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
: "${LK_TEST_DATA:?LK_TEST_DATA must point at tests/data}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LK_TODAY=20261122
unset LK_DB LK_SECRET_FILE
db="$work/kiosk.db"
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run WANT_EXIT ARGS...: runs kioskctl (bounded), leaves stdout in $out and stderr in $err.
run() {
    local want=$1 rc=0
    shift
    timeout 120 "$KIOSKCTL" "$@" >"$work/out" 2>"$work/err" || rc=$?
    out=$(cat "$work/out")
    err=$(cat "$work/err")
    if [[ $rc -ne $want ]]; then
        fail "kioskctl $* exited $rc, expected $want (stdout: ${out:0:400}, stderr: ${err:0:400})"
        return 1
    fi
}

# expect PYTHON_EXPR: evaluated with d = the JSON printed last.
expect() {
    if ! python3 -c '
import json, sys
d = json.loads(sys.argv[1])
if not eval(sys.argv[2]):
    sys.exit(1)
' "$out" "$1" 2>"$work/py"; then
        fail "expected $1 in: ${out:0:600} $(cat "$work/py")"
    fi
}

licenses() {
    timeout 30 sqlite3 "$1" 'SELECT count(*) FROM licenses'
}

summary() { # LINES INSERTED UPDATED REJECTED WARNINGS
    expect "d == {'lines': $1, 'inserted': $2, 'updated': $3, 'rejected': $4, 'warnings': $5}"
}

# --- import, re-import
jsonl="$LK_TEST_DATA/records-sample.jsonl"
csv="$LK_TEST_DATA/records-sample.csv"
run 0 --db "$db" records import "$jsonl" && summary 20 20 0 0 0
[[ -z $err ]] || fail "clean import wrote to stderr: $err"
[[ $(licenses "$db") -eq 20 ]] || fail "expected 20 licenses after import"
run 0 --db "$db" records import "$jsonl" && summary 20 0 20 0 0
[[ $(licenses "$db") -eq 20 ]] || fail "re-import changed the license count"
run 0 --db "$db" records import "$csv" && summary 4 0 4 0 0
[[ $(licenses "$db") -eq 20 ]] || fail "CSV import of known records changed the license count"
run 0 --db "$work/csv.db" records import "$csv" && summary 4 4 0 0 0
run 0 --db "$work/csv.db" records import "$csv" && summary 4 0 4 0 0
[[ $(licenses "$work/csv.db") -eq 4 ]] || fail "expected 4 licenses from the CSV"

# --- bad lines: exit 1, each bad line reported as FILE:LINE:, the good ones imported
bad="$LK_TEST_DATA/records-bad.jsonl"
if run 1 --db "$work/bad.db" records import "$bad"; then
    summary 24 4 0 20 1
fi
for line in 2 3 4 5 6 8 9 10 11 12 13 14 15 16 17 18 19 20 22 23; do
    grep -q "^$bad:$line: " <<<"$err" || fail "no report for records-bad.jsonl:$line in: $err"
done
for line in 1 7 24; do
    ! grep -q "^$bad:$line:" <<<"$err" || fail "good line $line was reported"
done
grep -q "^$bad:21: warning: " <<<"$err" || fail "no warning for line 21 in: $err"
[[ $(grep -c "^$bad:" <<<"$err") -eq 21 ]] || fail "expected 21 report lines in: $err"
[[ $(licenses "$work/bad.db") -eq 4 ]] || fail "the good lines of the bad file were not imported"
run 1 --db "$work/bad.db" records import "$work/absent.jsonl" || :
[[ -n $err ]] || fail "import of a missing file said nothing on stderr"

# --- find: holder by resident ID, agent by passport (tests/data/README.md, line 20)
if run 0 --db "$db" records find --id 11010519491231002X; then
    expect 'isinstance(d, list) and [m["uscc"] for m in d] == ["914403001922038216"]'
    expect 'd[0]["as"] == "holder" and d[0]["role"] == "法定代表人" and d[0]["person"] == "张伟"'
    expect 'd[0]["doc_masked"] == "1101**********002X" and d[0]["duplicates"] == 2'
    expect 'set(d[0]) == {"uscc", "name", "entity_type", "type_name", "as", "role", "person",
                          "doc_masked", "duplicates"}'
fi
if run 0 --db "$db" records find --doc passport:E12345678; then
    expect '[m["uscc"] for m in d] == ["914403001922038216"] and d[0]["as"] == "agent"'
    expect 'd[0]["doc_masked"] == "E******78"'
fi
run 0 --db "$db" records find --doc resident_id:440524188001010014 &&
    expect '[m["uscc"] for m in d] == ["914403001922038216"] and d[0]["as"] == "agent"'
run 0 --db "$db" records find --id 110105194912310029 && expect 'd == []'
# Line 15 of the sample is revoked: its holder finds nothing.
run 0 --db "$db" records find --id 62010219590605191X && expect 'd == []'
# Line 1's holder and agent.
run 0 --db "$db" records find --id 540102200302254621 &&
    expect '[m["uscc"] for m in d] == ["91410105M2FHN6AF95"]'
run 0 --db "$db" records find --id 14010519701104291X &&
    expect '[(m["uscc"], m["as"]) for m in d] == [("91410105M2FHN6AF95", "agent")]'
for n in 11010519491231002X 440524188001010014 E12345678 540102200302254621; do
    [[ $out$err != *"$n"* ]] || fail "find output holds a document number"
done

# --- show: masked numbers only
if run 0 --db "$db" records show 914403001922038216; then
    expect 'd["uscc"] == "914403001922038216" and d["holder"]["doc_masked"] == "1101**********002X"'
    expect '"doc_number" not in d["holder"] and all("doc_number" not in a for a in d["agents"])'
    expect '[a["doc_masked"] for a in d["agents"]] == ["E******78", "4405**********0014"]'
    expect 'd["duplicates"] == 2 and d["status"] == "approved"'
    for n in 11010519491231002X 440524188001010014 E12345678; do
        [[ $out != *"$n"* ]] || fail "show printed a document number"
    done
fi
run 1 --db "$db" records show 914403001922038217 || :
[[ -z $out && -n $err ]] || fail "show of an unknown USCC: stdout '$out', stderr '$err'"

# --- LK_DB instead of --db; --db wins over LK_DB
if LK_DB="$db" run 0 records find --id 11010519491231002X; then
    expect '[m["uscc"] for m in d] == ["914403001922038216"]'
fi
LK_DB="$work/other.db" run 0 --db "$db" records show 914403001922038216 || :
[[ ! -e $work/other.db ]] || fail "--db did not take precedence over LK_DB"
LK_DB="$work/env.db" run 0 records import "$csv" && summary 4 4 0 0 0
[[ $(licenses "$work/env.db") -eq 4 ]] || fail "LK_DB import did not land in \$LK_DB"

# --- generate: deterministic, valid, importable, no database
first=""
run 0 records generate --count 3 --seed 7 && first=$out
run 0 records generate --seed 7 --count 3
[[ $out == "$first" ]] || fail "generate is not deterministic for a seed"
[[ $(wc -l <<<"$out") -eq 3 ]] || fail "generate --count 3 printed $(wc -l <<<"$out") lines"
run 0 records generate --count 3 --seed 8
[[ $out != "$first" ]] || fail "different seeds gave the same records"
if run 0 records generate --count 2; then
    [[ $(wc -l <<<"$out") -eq 2 ]] || fail "default seed: $(wc -l <<<"$out") lines"
fi
timeout 60 "$KIOSKCTL" records generate --count 50 --seed 3 >"$work/gen.jsonl"
run 0 --db "$work/gen.db" records import "$work/gen.jsonl" && summary 50 50 0 0 0

# --- usage errors: exit 2, nothing on stdout, a usage line on stderr
usage_cases=(
    "records"
    "records frobnicate"
    "records import"
    "records import a b"
    "records find"
    "records find --id"
    "records find --name x"
    "records find --doc passport"
    "records find --doc :E12345678"
    "records find --doc passport:"
    "records show"
    "records generate"
    "records generate --count"
    "records generate --count 0"
    "records generate --count -5"
    "records generate --count 100000001"
    "records generate --count 12abc"
    "records generate --count 5 --seed"
    "records generate --count 5 --seed x"
    "records generate --count 5 --bogus 1"
)
for c in "${usage_cases[@]}"; do
    # shellcheck disable=SC2086 # word splitting of the case is intended
    run 2 --db "$work/usage.db" $c || continue
    [[ -z $out ]] || fail "'$c' printed on stdout: $out"
    [[ $err == *usage* ]] || fail "'$c' without a usage line: $err"
done
[[ ! -e $work/usage.db ]] || fail "a usage error created the database"

if [[ $failures -ne 0 ]]; then
    echo "records.sh: $failures failure(s)" >&2
    exit 1
fi
echo "records.sh: all passed"
