#!/usr/bin/env bash
# audit.sh: `kioskctl audit verify|list`, `config` and `counters` on a real database. An intact
# log verifies (exit 0); then copies of the database are edited with sqlite3 behind the
# store's back (triggers dropped, as someone holding the file could) and verify must exit 1
# with ok:false and the first bad row. Also config versions and usage errors.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
: "${LK_TEST_DATA:?LK_TEST_DATA must point at tests/data}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LK_TODAY=20261122 LK_ACTOR=audit-test
unset LK_DB LK_SECRET_FILE
db="$work/kiosk.db"
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

run() { # WANT_EXIT ARGS...
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

expect() { # PYTHON_EXPR with d = the JSON printed last
    if ! python3 -c '
import json, sys
d = json.loads(sys.argv[1])
if not eval(sys.argv[2]):
    sys.exit(1)
' "$out" "$1" 2>"$work/py"; then
        fail "expected $1 in: ${out:0:600} $(cat "$work/py")"
    fi
}

# --- config: defaults at version 0, each set a new version, unknown keys refused
if run 0 --db "$db" config list; then
    expect 'isinstance(d, dict) and d and all(v["version"] == 0 for v in d.values())'
    expect 'd["session.timeout_s"] == {"value": "120", "version": 0}'
fi
run 0 --db "$db" config get ui.language && expect 'd == {"key": "ui.language", "value": "zh-CN", "version": 0}'
run 0 --db "$db" config set session.timeout_s 90 &&
    expect 'd == {"key": "session.timeout_s", "value": "90", "version": 1}'
run 0 --db "$db" config set session.timeout_s 60 &&
    expect 'd == {"key": "session.timeout_s", "value": "60", "version": 2}'
run 0 --db "$db" config set ui.language en && expect 'd["version"] == 1'
run 0 --db "$db" config set printer.name kiosk-a3 && expect 'd["value"] == "kiosk-a3"'
run 0 --db "$db" config get session.timeout_s && expect 'd["value"] == "60" and d["version"] == 2'
run 0 --db "$db" config list && expect 'd["session.timeout_s"] == {"value": "60", "version": 2}'
# a secret (the PIN hash) is stored but never shown by get, set or list (own database, so the
# audit rows counted below stay the four sets above)
sdb="$work/secret.db" pin_hash='pbkdf2-sha256$10000$00ff$abcd'
run 0 --db "$sdb" config get service.pin_hash && expect 'd["value"] == "(secret not set)"'
run 0 --db "$sdb" config set service.pin_hash "$pin_hash" &&
    expect 'd["value"] == "(secret set)" and d["version"] == 1'
run 0 --db "$sdb" config get service.pin_hash && expect 'd["value"] == "(secret set)"'
run 0 --db "$sdb" config list && expect 'd["service.pin_hash"]["value"] == "(secret set)"'
[[ $out != *abcd* ]] || fail "config list shows the PIN hash: $out"
[[ $(timeout 30 sqlite3 "$sdb" "SELECT value FROM config WHERE key='service.pin_hash' ORDER BY version DESC LIMIT 1" 2>&1) == "$pin_hash" ]] ||
    fail "the PIN hash was not stored as given"
run 1 --db "$db" config set session.timeout 90 || :
[[ $err == *session.timeout* && -z $out ]] || fail "unknown key: stdout '$out', stderr '$err'"
run 1 --db "$db" config get no.such.key || :
[[ -n $err ]] || fail "config get of an unknown key said nothing"
for c in "config" "config get" "config set k" "config set a b c" "config list x" "config frob"; do
    # shellcheck disable=SC2086 # word splitting of the case is intended
    if run 2 --db "$db" $c; then
        [[ $err == *usage* ]] || fail "'$c': no usage line on stderr: $err"
    fi
done

# --- import, counters, verify, list
run 0 --db "$db" records import "$LK_TEST_DATA/records-sample.jsonl" || :
run 1 --db "$db" records import "$LK_TEST_DATA/records-bad.jsonl" || :
run 0 --db "$db" counters && expect 'd.get("records.imported") == 24'
run 0 --db "$db" counters list && expect 'd.get("records.imported") == 24'
run 0 --db "$db" counters get records.imported && expect 'd == {"name": "records.imported", "value": 24}'
run 0 --db "$db" counters get never.counted && expect 'd == {"name": "never.counted", "value": 0}'
run 2 --db "$db" counters get || :
run 2 --db "$db" counters frob || :

rows=$(timeout 30 sqlite3 "$db" 'SELECT count(*) FROM audit')
[[ $rows -ge 6 ]] || fail "expected at least 6 audit rows (4 config sets, 2 imports), got $rows"
run 0 --db "$db" audit verify && expect "d == {'ok': True, 'rows': $rows}"

if run 0 --db "$db" audit list; then
    [[ $(wc -l <<<"$out") -eq $rows ]] || fail "audit list printed $(wc -l <<<"$out") lines, expected $rows"
    python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines()]
assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1)), "seq not 1..n"
assert all(set(r) == {"seq", "ts", "actor", "event", "detail"} for r in rows), "fields"
assert rows[0]["actor"] == "kiosk" and rows[0]["event"] == "store.created", "genesis row"
assert all(r["actor"] == "audit-test" for r in rows[1:]), "actor"
sets = [r for r in rows if r["event"] == "config.set"]
assert len(sets) == 4 and sets[0]["detail"]["key"] == "session.timeout_s", "config rows"
imports = [r for r in rows if r["event"] == "records.import"]
assert imports[-1]["detail"]["rejected"] == 20, "import detail is an object"
' "$out" 2>"$work/py" || fail "audit list content: $(cat "$work/py")"
fi
if run 0 --db "$db" audit list --after 2 --limit 2; then
    [[ $(wc -l <<<"$out") -eq 2 ]] || fail "audit list --limit 2 printed $(wc -l <<<"$out") lines"
    out=$(tail -n 1 <<<"$out")
    expect 'd["seq"] == 4'
fi
if run 0 --db "$db" audit list --after "$rows"; then
    [[ -z $out ]] || fail "list after the last row printed: $out"
fi
for c in "audit" "audit frob" "audit verify x" "audit list --after" "audit list --limit -1" \
    "audit list --after x" "audit list --bogus 1"; do
    # shellcheck disable=SC2086 # word splitting of the case is intended
    if run 2 --db "$db" $c; then
        [[ $err == *usage* ]] || fail "'$c': no usage line on stderr: $err"
    fi
done

# --- tampering, each in its own copy (database and its secret)
# tamper NAME SQL EXPECTED_BAD_SEQ: edits a copy and checks verify's verdict.
tamper() {
    local copy="$work/$1.db"
    cp "$db" "$copy"
    cp "$db.secret" "$copy.secret"
    timeout 30 sqlite3 "$copy" "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; $2"
    if run 1 --db "$copy" audit verify; then
        expect "d['ok'] is False and d['bad_seq'] > 0 and d['reason'] and 'rows' in d"
        expect "d['bad_seq'] == $3"
    fi
}
tamper detail "UPDATE audit SET detail = '{\"key\":\"ui.language\",\"value\":\"xx\"}' WHERE seq = 3" 3
tamper actor "UPDATE audit SET actor = 'someone-else' WHERE seq = 2" 2
tamper delete-middle "DELETE FROM audit WHERE seq = 3" 3
tamper swap "UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 4;
             UPDATE audit SET seq = 4 WHERE seq = -2" 2
tamper delete-last "DELETE FROM audit WHERE seq = $rows" "$rows"
tamper insert "INSERT INTO audit SELECT $rows + 1, ts, actor, event, detail, mac, mac
               FROM audit WHERE seq = $rows" "$rows + 1"
# The original is untouched by all of that.
run 0 --db "$db" audit verify && expect 'd["ok"] is True'

if [[ $failures -ne 0 ]]; then
    echo "audit.sh: $failures failure(s)" >&2
    exit 1
fi
echo "audit.sh: all passed"
