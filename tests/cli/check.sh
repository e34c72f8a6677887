#!/usr/bin/env bash
# check.sh: `kioskctl check uscc|id|mrz` — exit codes 0 (valid) / 1 (invalid) / 2 (usage), one
# JSON object on stdout with the documented fields, and no identity number echoed back.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# `check` must not need the store: point it at a database that does not exist.
export LK_DB="$work/absent.db" LK_TODAY=20261122
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run WANT_EXIT ARGS...: runs kioskctl, leaves stdout in $out and stderr in $err. Returns 1
# (after reporting) when the exit code is wrong, so the JSON checks that follow are skipped.
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

# expect PYTHON_EXPR: evaluates the expression with d = the JSON object printed last.
expect() {
    if ! python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert isinstance(d, dict), "not one JSON object"
if not eval(sys.argv[2]):
    sys.exit(1)
' "$out" "$1" 2>"$work/py"; then
        fail "expected $1 in: $out $(cat "$work/py")"
    fi
}

# --- uscc
if run 0 check uscc 914403001922038216; then
    expect 'd == {"valid": True, "code": "914403001922038216", "authority": "9",
                  "category": "1", "region": "440300", "org_code": "192203821"}'
fi
run 0 check uscc 91350100M000100Y43 && expect 'd["valid"] is True and d["org_code"] == "M000100Y4"'
run 0 check uscc 92340602MA2PBMEM24 && expect 'd["authority"] == "9" and d["category"] == "2"'
if run 1 check uscc 91350100M000100Y4Z; then
    expect 'd == {"valid": False, "reason": d["reason"]} and "check" in d["reason"]'
    expect '"expected '"'3'"'" in d["reason"]'
fi
run 1 check uscc 91350100M0001TGQXM && expect 'd["valid"] is False and "legacy pilot code" in d["reason"]'
run 1 check uscc 9135010 && expect '"length 7, expected 18" in d["reason"]'
run 1 check uscc 91350100m000100Y43 && expect '"lower-case" in d["reason"]'
run 1 check uscc "９1350100M000100Y43" && expect '"full-width" in d["reason"]'
run 1 check uscc "" && expect '"empty" in d["reason"]'
run 1 check uscc "$(printf '9%.0s' {1..10000})" && expect '"length 10000" in d["reason"]'
run 2 check uscc || :
run 2 check uscc 914403001922038216 extra || :
[[ -z $out ]] || fail "usage error printed on stdout: $out"
[[ $err == *usage* ]] || fail "usage error without a usage line on stderr: $err"

# --- id
if run 0 check id 11010519491231002X; then
    expect 'd["valid"] is True and d["format"] == "GB11643-1999" and d["region"] == "110105"'
    expect 'd["birth_date"] == "1949-12-31" and d["sex"] == "F" and "legacy" not in d'
    [[ $out != *11010519491231002X* ]] || fail "check id echoed the full number: $out"
fi
run 0 check id 440524188001010014 && expect 'd["sex"] == "M" and d["birth_date"] == "1880-01-01"'
[[ $out != *440524188001010014* ]] || fail "check id echoed the full number: $out"
if run 0 check id 110105491231002; then
    expect 'd["valid"] is True and d["format"] == "GB11643-1989" and d["legacy"] is True'
    [[ $out != *110105491231002* ]] || fail "check id echoed the full legacy number: $out"
fi
run 1 check id 11010519491231002x && expect 'd["valid"] is False and "lower-case" in d["reason"]'
run 1 check id 110105194912310021 && expect '"check" in d["reason"]'
[[ $out != *110105194912310021* ]] || fail "an invalid id was echoed: $out"
run 1 check id 110105202611230011 && expect '"future" in d["reason"]'
run 1 check id 990105194912310021 && expect '"province" in d["reason"]'
run 1 check id 1101051949 && expect '"length 10" in d["reason"]'
run 2 check id || :
run 2 check id 11010519491231002X 11010519491231002X || :

# --- mrz
td3_1='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<'
td3_2='L898902C36UTO7408122F1204159ZE184226B<<<<<10'
if run 0 check mrz "$td3_1" "$td3_2"; then
    expect 'd == {"format": "TD3", "document_code": "P", "issuing_state": "UTO",
                  "document_number": "L898902C3", "nationality": "UTO", "birth_date": "740812",
                  "expiry_date": "120415", "sex": "F", "surname": "ERIKSSON",
                  "given_names": "ANNA MARIA", "optional_data": "ZE184226B", "valid": True}'
fi
td1_1='I<UTOD231458907<<<<<<<<<<<<<<<'
td1_2='7408122F1204159UTO<<<<<<<<<<<6'
td1_3='ERIKSSON<<ANNA<MARIA<<<<<<<<<<'
if run 0 check mrz "$td1_1" "$td1_2" "$td1_3"; then
    expect 'd["format"] == "TD1" and d["document_code"] == "I" and d["document_number"] == "D23145890"'
    expect 'd["optional_data"] == "" and d["given_names"] == "ANNA MARIA"'
fi
if run 0 check mrz 'I<UTOD23145890<7349<<<<<<<<<<<' '3407127M9507122UTO<<<<<<<<<<<2' \
    'STEVENSON<<PETER<JOHN<<<<<<<<<'; then
    expect 'd["document_number"] == "D23145890734" and d["optional_data"] == "" and d["sex"] == "M"'
fi
run 1 check mrz "$td3_1" 'L898902C35UTO7408122F1204159ZE184226B<<<<<10' &&
    expect 'd == {"valid": False, "reason": d["reason"]} and "document number check digit" in d["reason"]'
run 1 check mrz "$td3_1" 'L898902C36UTO7408122F1204159ZE184226B<<<<<11' && expect '"composite" in d["reason"]'
run 1 check mrz "$td1_1" "${td1_2%6}5" "$td1_3" && expect '"composite" in d["reason"]'
run 1 check mrz "$td3_1" "${td3_2}<" && expect '"length 45, expected 44" in d["reason"]'
run 1 check mrz "${td3_1,,}" "$td3_2" && expect '"lower-case" in d["reason"]'
run 1 check mrz "$td1_1" "$td1_2" && expect '"length 30, expected 44" in d["reason"]'
run 2 check mrz "$td3_1" || :
run 2 check mrz a b c d || :

# --- the group itself
run 2 check || :
run 2 check passport X || :
[[ $err == *usage* ]] || fail "unknown kind without a usage line on stderr: $err"
[[ ! -e $LK_DB ]] || fail "check created the database $LK_DB"

if [[ $failures -ne 0 ]]; then
    echo "check.sh: $failures failure(s)" >&2
    exit 1
fi
echo "check.sh: all passed"
