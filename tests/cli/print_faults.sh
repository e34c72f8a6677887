#!/usr/bin/env bash
# Print faults through the real rig: queue disabled, printer absent, cupsd absent, printer
# killed mid-job (deadline -> uncertain -> technician), paper jam (failed, sheet voided), and
# kioskctl SIGKILLed between submission and completion (reconciliation finds the truth, no
# second print). Nothing is ever marked printed that was not, and the stock ledger agrees.
set -euo pipefail
work=$(mktemp -d)
chmod 0755 "$work"
rig="$LK_SOURCE_DIR/tools/cups-rig"
bg=
trap 'set +e; [ -z "$bg" ] || kill -9 "$bg" 2>/dev/null; "$rig" stop "$work/rig" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
k() { timeout 60 "$KIOSKCTL" --db "$work/k.db" "$@"; }
field() { grep -o "\"$2\":\(\"[^\"]*\"\|[-0-9.]*\)" <<<"$1" | head -1 | sed 's/^[^:]*://; s/^"//; s/"$//'; }
docs() { ls "$LK_PRINT_SPOOL" | grep -c '\.pdf$' || true; }
have_docs() { [ "$(docs)" -ge "$1" ]; }
# Runs a print expected to fail; leaves its JSON in $out.
print_fails() {
    set +e
    out=$(k print "$@" 2>"$work/err")
    local rc=$?
    set -e
    [[ $rc -eq 1 ]] || fail "print $* should exit 1, got $rc: $out $(cat "$work/err")"
}
wait_until() { # tries command...: polls every 0.1 s
    local i
    for ((i = 0; i < $1; i++)); do
        if "${@:2}"; then return 0; fi
        sleep 0.1
    done
    fail "timed out waiting for: ${*:2} $(cat "$work"/*.json 2>/dev/null)"
}

eval "$("$rig" start "$work/rig")"
k records import "$LK_TEST_DATA/records-sample.jsonl" >/dev/null
mapfile -t codes < <(jq -r 'select(.status == "approved") | .uscc' "$LK_TEST_DATA/records-sample.jsonl")
k config set printer.job_deadline_s 30 >/dev/null
k stock load --tray t1 --media a4 --first S001 --last S010 >/dev/null

# SIGKILL between submission and completion, then restart: reconciliation follows the job to
# completed; the copy is recorded printed once and never sent again. (First, while the queue is
# clean: after a printer restart mid-job cupsd keeps cups-ipp-missing-job-history on the queue,
# and a fresh process then judges completions uncertain, on the safe side.)
"$rig" fault "$work/rig" mode sleep 2
before=$(docs)
"$KIOSKCTL" --db "$work/k.db" print "${codes[4]}" --copy original >/dev/null 2>&1 &
bg=$! # kioskctl itself, not a wrapper: SIGKILL must hit the process that submitted
wait_until 100 sh -c "\"$KIOSKCTL\" --db \"$work/k.db\" jobs list --state submitted | grep -q ${codes[4]}"
kill -9 "$bg"
wait "$bg" 2>/dev/null || true
bg=
out=$(k jobs reconcile --wait)
[[ $(field "$out" checked) == 1 ]] || fail "reconcile after kill: $out"
row=$(k jobs list --state completed | grep "${codes[4]}" | jq -r '"\(.copy) \(.prints)"' || true)
[[ $row == "original 1" ]] || fail "killed print not recorded completed once: $row $(k jobs list | grep "${codes[4]}" | grep original)"
print_fails "${codes[4]}" --copy original
grep -q 'already printed' "$work/err" || fail "killed print offered again"
[[ $(docs) -eq $((before + 1)) ]] || fail "expected exactly one more document, got $(docs) (was $before)"

"$rig" fault "$work/rig" mode ok
k config set printer.job_deadline_s 4 >/dev/null

# Queue disabled by staff: refused before sending, printer reported disabled.
n0=$(docs)
"$rig" fault "$work/rig" disable-queue "out for service"
print_fails "${codes[0]}" --copy original
[[ $(field "$out" state) == failed && $(field "$out" outcome) == refused ]] || fail "disabled queue: $out"
[[ $(field "$out" printer_status) == disabled && $(field "$out" reason) == *"out for service"* ]] || fail "disabled reason: $out"
[[ $(docs) -eq $n0 ]] || fail "a disabled queue received a document"
set +e; out=$(k jobs printer 2>/dev/null); rc=$?; set -e
[[ $rc -eq 1 && $(field "$out" status) == disabled ]] || fail "jobs printer on a disabled queue: $out"
"$rig" fault "$work/rig" enable-queue
[[ $(field "$(k jobs printer)" status) == normal ]] || fail "enabled queue not normal"

# Printer absent (not running at submit): the device probe refuses it.
"$rig" fault "$work/rig" kill-printer
print_fails "${codes[0]}" --copy original
[[ $(field "$out" outcome) == refused && $(field "$out" reason) == *"not reachable"* ]] || fail "absent printer: $out"
"$rig" fault "$work/rig" restart-printer

# Printer killed mid-job: the job hangs in cupsd, the deadline cancels it, the row is
# uncertain, the copy is not offered again until a technician confirms; no sheet is consumed.
"$rig" fault "$work/rig" mode sleep 30
k print "${codes[1]}" --copy duplicate --overlay >"$work/mid.json" 2>&1 &
bg=$!
wait_until 100 have_docs 1 # restart-printer gave a fresh, empty spool
"$rig" fault "$work/rig" kill-printer
set +e; wait "$bg"; rc=$?; set -e; bg=
out=$(cat "$work/mid.json")
[[ $rc -eq 1 && $(field "$out" state) == uncertain ]] || fail "killed printer ($rc): $out"
[[ $(field "$out" reason) == *deadline* ]] || fail "uncertain reason: $out"
row=$(field "$out" row)
print_fails "${codes[1]}" --copy duplicate --overlay
grep -q 'technician must confirm' "$work/err" || fail "uncertain copy offered again: $(cat "$work/err")"
[[ $(k stock show | jq '.stacks[0].printed + .stacks[0].voided') == 0 ]] || fail "uncertain print consumed stock"
k audit list | grep -q '"print.uncertain"' || fail "uncertain not audited"
out=$(LK_ACTOR=tech-3 k jobs confirm "$row" --not-printed --spoiled)
[[ $(field "$out" state) == failed ]] || fail "confirm not printed: $out"
k audit list | grep '"print.confirmed"' | grep -q tech-3 || fail "confirmation not audited"
"$rig" fault "$work/rig" restart-printer
"$rig" fault "$work/rig" mode ok
out=$(k print "${codes[1]}" --copy duplicate --overlay) || fail "print after confirmation: $out"
[[ $(field "$out" stock_serial) == S002 && $(field "$out" attempt) == 2 ]] || fail "reprint after confirm: $out"
[[ $(k stock show | jq -c '[.stacks[0].printed, .stacks[0].voided, .stacks[0].next]') == '[1,1,"S003"]' ]] \
    || fail "ledger after confirm: $(k stock show)"

# Paper jam: the printer aborts, CUPS cancels, the row fails, the sheet is voided.
"$rig" fault "$work/rig" mode jam
print_fails "${codes[2]}" --copy duplicate --overlay
[[ $(field "$out" state) == failed && $(field "$out" outcome) == failed ]] || fail "jam: $out"
[[ $(field "$out" prints) == 0 && -z $(field "$out" stock_serial) ]] || fail "jam marked printed: $out"
[[ $(k stock show | jq -c '[.stacks[0].printed, .stacks[0].voided, .stacks[0].next]') == '[1,2,"S004"]' ]] \
    || fail "ledger after jam: $(k stock show)"
k audit list | grep '"stock.voided"' | grep -q S003 || fail "voided sheet not audited"
"$rig" fault "$work/rig" mode ok

# Out of paper mid-job: the printer's media-empty reaches the kiosk as a fault with its reason;
# reloading lets the same job complete.
"$rig" fault "$work/rig" mode media-empty
k config set printer.job_deadline_s 60 >/dev/null
k print "${codes[8]}" --copy original >"$work/media.json" 2>&1 &
bg=$!
media_fault() { { k jobs printer 2>/dev/null || true; } | jq -e '.status == "fault" and (.reason | test("media-empty"))' >/dev/null; }
wait_until 150 media_fault
"$rig" fault "$work/rig" mode ok
set +e; wait "$bg"; rc=$?; set -e; bg=
[[ $rc -eq 0 && $(jq -r .state "$work/media.json") == completed ]] || fail "print after reload: $(cat "$work/media.json")"
k config set printer.job_deadline_s 4 >/dev/null

# A journal row reserved by a kiosk that died before submitting: nothing reached the server.
# (Import creates no journal rows; the journal adds a row at first reservation, so do that too.)
sqlite3 "$work/k.db" "INSERT OR IGNORE INTO print_jobs (license_id, copy, copy_no, created_at,
    updated_at) SELECT id, 'original', 1, 0, 0 FROM licenses WHERE uscc='${codes[3]}';
    UPDATE print_jobs SET state='reserved', attempt=1, job_name='lk-'||id||'-1',
    deadline_at=strftime('%s','now')+60 WHERE id=(SELECT p.id FROM print_jobs p JOIN licenses l
    ON l.id=p.license_id WHERE l.uscc='${codes[3]}' AND p.copy='original')"
out=$(k jobs reconcile)
[[ $(field "$out" failed) == 1 ]] || fail "reserved row not reconciled: $out"
[[ $(k jobs list --state failed | grep "${codes[3]}" | jq -r .reason) == *"interrupted before submission"* ]] \
    || fail "reserved row reason"

# A job still waiting behind another when its deadline passes never started: cancelled, the
# row fails (nothing can have printed, no technician needed) and the copy is offered again.
"$rig" fault "$work/rig" mode sleep 30
k config set printer.job_deadline_s 60 >/dev/null
n0=$(docs)
"$KIOSKCTL" --db "$work/k.db" print "${codes[6]}" --copy original >/dev/null 2>&1 &
bg=$!
wait_until 100 have_docs $((n0 + 1))
k config set printer.job_deadline_s 3 >/dev/null
print_fails "${codes[7]}" --copy original
[[ $(field "$out" state) == failed && $(field "$out" reason) == *"never started"* ]] || fail "queued job at deadline: $out"
[[ $(k jobs list | grep "${codes[7]}" | grep original | jq -r .state) == failed ]] || fail "queued job row"
[[ $(k jobs printer | jq -r .status) == busy ]] || fail "printer busy with the other job"
kill -9 "$bg"
wait "$bg" 2>/dev/null || true
bg=

# cupsd absent: refused with a clear reason, nothing marked printed.
"$rig" fault "$work/rig" kill-cupsd
print_fails "${codes[5]}" --copy original
[[ $(field "$out" outcome) == refused && $(field "$out" reason) == *"print server"*"not reachable"* ]] || fail "cupsd absent: $out"
[[ $(k jobs list --state completed | wc -l) -eq 3 ]] || fail "completed rows changed"
k audit verify >/dev/null || fail "audit chain"
echo "print_faults: ok"
