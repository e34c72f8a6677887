#!/usr/bin/env bash
# emrtd.sh: eMRTD reading through the real path, kioskctl -> lk_nfc -> libnfc's pn532_uart ->
# pn532-sim on a pty, one simulator for the whole script: nfc list sees each virtual card and
# names its application; a full read of a TD3 passport with a JPEG face and a TD1 card with a
# JPEG 2000 face (same DG1 keys as `check mrz`, photo byte-exact or decoded), passive
# authentication valid, tampered (blocked, or only audited when configuration says so), without
# and with a foreign CSCA; wrong MRZ keys; the service card's payload; an unknown card; a
# corrupted frame; the card removed after every APDU count of a full read (each ends in a clear
# error, exit 1, no sanitizer report, no hang); SIGINT cancels a blocked wait.
set -euo pipefail

: "${KIOSKCTL:?KIOSKCTL must point at the kioskctl binary}"
: "${LK_BUILD_DIR:?LK_BUILD_DIR must point at the build tree}"
: "${LK_TEST_DATA:?LK_TEST_DATA must point at tests/data}"
SIM=$LK_BUILD_DIR/tools/pn532-sim
APDU=$LK_BUILD_DIR/tools/pn532-apdu
work=$(mktemp -d)
sim_pid=
cleanup() {
    if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
export LIBNFC_AUTO_SCAN=false LIBNFC_INTRUSIVE_SCAN=false LIBNFC_LOG_LEVEL=0
unset LIBNFC_DEFAULT_DEVICE LIBNFC_DEVICE LK_DB LK_SECRET_FILE
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

TD3_1="P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
TD3_2="L898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1_1="I<UTOD23145890<7349<<<<<<<<<<<"
TD1_2="3407127M9507122UTO<<<<<<<<<<<2"
TD1_3="STEVENSON<<PETER<JOHN<<<<<<<<<"
PASSPORT=(--doc L898902C3 --dob 740812 --expiry 120415)

k() { timeout 30 "$KIOSKCTL" "$@"; }
k pki make-test-csca "$work/csca" >/dev/null
k pki make-test-csca "$work/other" >/dev/null
k card make-emrtd --mrz "$TD3_1" "$TD3_2" --photo "$LK_TEST_DATA/face-small.jpg" \
    --csca-dir "$work/csca" -o "$work/td3.card" >/dev/null
k card make-emrtd --mrz "$TD3_1" "$TD3_2" --photo "$LK_TEST_DATA/face-small.jpg" \
    --csca-dir "$work/csca" --tamper dg2 -o "$work/tampered.card" >/dev/null
k card make-emrtd --mrz "$TD1_1" "$TD1_2" "$TD1_3" --photo "$LK_TEST_DATA/face-small.jp2" \
    --csca-dir "$work/csca" -o "$work/td1.card" >/dev/null
head -c 700 /dev/urandom >"$work/payload.bin"
k card make-service --payload "$work/payload.bin" -o "$work/service.card" >/dev/null
printf 'type=iso14443a\nuid=04A1B2C3\n' >"$work/unknown.card"

# The simulator's commands go through a fifo on its stdin; each reply is one line of its stdout.
mkfifo "$work/in"
exec 3<>"$work/in"
"$SIM" --card "$work/td3.card" <&3 >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 50); do
    [[ -s $work/sim.out ]] && break
    sleep 0.1
done
pty=$(head -n1 "$work/sim.out")
[[ -c $pty ]] || {
    echo "FAIL: pn532-sim gave no pty ($(cat "$work/sim.err"))" >&2
    exit 1
}
dev=(--device "pn532_uart:$pty")

ctl() {
    local before
    before=$(wc -l <"$work/sim.out")
    echo "$1" >&3
    for _ in $(seq 100); do
        (($(wc -l <"$work/sim.out") > before)) && break
        sleep 0.02
    done
    tail -n1 "$work/sim.out"
}
# has FRAGMENT: the compact JSON in $out contains FRAGMENT.
has() { [[ $out == *"$1"* ]]; }

# run WANT_RC ARGS...: kioskctl with stdout in $out, stderr in $err; the exit code must match
# and no sanitizer may have spoken.
run() {
    local want=$1 rc=0
    shift
    out=$(timeout 30 "$KIOSKCTL" "$@" 2>"$work/err") || rc=$?
    err=$(cat "$work/err")
    [[ $rc -eq $want ]] || fail "kioskctl $* exited $rc, expected $want: $err"
    grep -q "Sanitizer" <<<"$err" && fail "sanitizer report for kioskctl $*: $err"
    return 0
}

# --- nfc list: reader, card, application
run 0 nfc list "${dev[@]}"
has '"application":"emrtd"' || fail "nfc list: $out"
has '"card":{"type":"iso14443a",' && has '"atqa":"0004","sak":"20"' && has '"present":true' ||
    fail "nfc list card: $out"
# One APDU (the eMRTD SELECT) answered, then the card is gone: the presence check says so.
ctl "remove after 1" >/dev/null
run 0 nfc list "${dev[@]}"
has '"application":"emrtd","present":false' || fail "nfc list, card pulled: $out"
ctl "insert $work/td3.card" >/dev/null

# --- full read, PA valid; DG1 fields are check mrz's, the photo is the one put in DG2
run 0 emrtd read "${dev[@]}" "${PASSPORT[@]}" --csca-dir "$work/csca" --photo "$work/face.jpg"
check=$(k check mrz "$TD3_1" "$TD3_2")
# cJSON keeps insertion order: the read starts with check mrz's object, key for key.
[[ $out == "${check%\}},"* ]] || fail "read vs check mrz: $out / $check"
has '"passive_authentication":{"valid":true,"sod_parsed":true,"signature":true,"ds_certificate":true,"dg_hashes":true,"data_groups":{"1":true,"2":true},"hash_algorithm":"sha256"}' ||
    fail "PA of a good passport: $out"
cmp -s "$work/face.jpg" "$LK_TEST_DATA/face-small.jpg" || fail "photo differs from DG2's"
has '"face":{"format":"jpeg","width":60,"height":80,"bytes":1082}' || fail "face: $out"

# --- no CSCA store: signature and hashes verify, the chain cannot; PA blocks by default
run 1 emrtd read "${dev[@]}" "${PASSPORT[@]}"
has '"signature":true,"ds_certificate":false,"dg_hashes":true' || fail "no store: $out"
grep -q "no CSCA store" <<<"$err" || fail "no store: stderr '$err'"
run 1 emrtd read "${dev[@]}" "${PASSPORT[@]}" --csca-dir "$work/other" --photo "$work/x.jpg"
has '"blocked":true' && [[ ! -e $work/x.jpg ]] || fail "foreign CSCA: $out"

# --- wrong MRZ keys: a clear refusal, nothing read
run 1 emrtd read "${dev[@]}" --doc L898902C3 --dob 740812 --expiry 120416
grep -q "MRZ keys do not open" <<<"$err" || fail "wrong keys: '$err'"
[[ -z $out ]] || fail "wrong keys printed '$out'"
run 2 emrtd read "${dev[@]}" --doc L898902C3 --dob 740812
run 1 emrtd read "${dev[@]}" --doc L898902C3 --dob 7408 --expiry 120416

# --- tampered DG2: blocked; with emrtd.require_passive_auth=false only audited. Every outcome
# lands in the audit log, without the document number or the holder's name.
db=(--db "$work/kiosk.db")
k "${db[@]}" config set emrtd.csca_dir "$work/csca" >/dev/null
k "${db[@]}" config set nfc.device "pn532_uart:$pty" >/dev/null
[[ $(ctl "insert $work/tampered.card") == "ok inserted" ]] || fail "insert tampered"
run 1 "${db[@]}" emrtd read "${PASSPORT[@]}"
has '"signature":true,"ds_certificate":true,"dg_hashes":false,"data_groups":{"1":true,"2":false}' ||
    fail "tampered: $out"
grep -q "DG2 does not match" <<<"$err" || fail "tampered: '$err'"
k "${db[@]}" config set emrtd.require_passive_auth false >/dev/null
run 0 "${db[@]}" emrtd read "${PASSPORT[@]}"
has '"valid":false' && has '"blocked":false' || fail "tampered, not required: $out"
ctl "insert $work/td3.card" >/dev/null
run 0 "${db[@]}" emrtd read "${PASSPORT[@]}"
run 0 "${db[@]}" audit list
audit=$out
[[ $(grep -c '"emrtd.passive_auth"' <<<"$audit") -eq 3 ]] || fail "audit rows: $audit"
grep -q '\\"blocked\\":true' <<<"$audit" || grep -q '"blocked":true' <<<"$audit" ||
    fail "audit lacks the blocked outcome: $audit"
grep -q -e L898902C -e ERIKSSON <<<"$audit" && fail "audit holds the document number or name"
grep -a -q -e L898902C -e ERIKSSON "$work/kiosk.db" && fail "database holds the document number"
run 0 "${db[@]}" audit verify

# --- the trust list of an applied bundle: a passport whose CSCA only a bundle carries fails
# passive authentication before the bundle is applied and passes after (its csca/ replaces
# emrtd.csca_dir, here a foreign store)
bdb=(--db "$work/b/kiosk.db")
mkdir -p "$work/b" "$work/bsrc/csca"
k bundle keygen "$work/admin.key" "$work/b/admin.pub" >/dev/null
k "${bdb[@]}" config set emrtd.csca_dir "$work/other" >/dev/null
k "${bdb[@]}" config set nfc.device "pn532_uart:$pty" >/dev/null
run 1 "${bdb[@]}" emrtd read "${PASSPORT[@]}"
has '"ds_certificate":false' && has '"blocked":true' || fail "bundle CSCA, before: $out"
cp "$work/csca/csca.pem" "$work/bsrc/csca/test-csca.pem"
k bundle create --version 1 --key "$work/admin.key" -o "$work/csca.lkb" "$work/bsrc" >/dev/null
run 0 "${bdb[@]}" bundle apply "$work/csca.lkb"
run 0 "${bdb[@]}" bundle status
has "\"csca_dir\":\"$work/b/bundles/1/csca\"" || fail "bundle status trust list: $out"
run 0 "${bdb[@]}" emrtd read "${PASSPORT[@]}"
has '"passive_authentication":{"valid":true' || fail "bundle CSCA, after: $out"

# --- TD1 with a JPEG 2000 face, decoded to PPM
ctl "insert $work/td1.card" >/dev/null
run 0 emrtd read "${dev[@]}" --doc D23145890734 --dob 340712 --expiry 950712 \
    --csca-dir "$work/csca" --photo "$work/face.ppm"
has '"format":"TD1"' && has '"surname":"STEVENSON"' && has '"format":"jpeg2000"' &&
    has '"passive_authentication":{"valid":true' || fail "TD1: $out"
[[ $(head -c 15 "$work/face.ppm" | tr '\n' ' ') == "P6 60 80 255 "* ]] ||
    fail "decoded face header: $(head -c 15 "$work/face.ppm" | od -c | head -2)"
[[ $(stat -c %s "$work/face.ppm") -eq $((13 + 60 * 80 * 3)) ]] || fail "decoded face size"

# --- the service card: named by nfc list, its payload read in the clear by AID + READ BINARY
ctl "insert $work/service.card" >/dev/null
run 0 nfc list "${dev[@]}"
has '"application":"service"' || fail "service card: $out"
got=$(timeout 20 "$APDU" "pn532_uart:$pty" 00A4040C07F04C4B53564301 00B00000F0 00B000F0F0 \
    00B001E0F0 2>/dev/null | tr -d '\n') || true
hexof() { od -An -tx1 -v | tr -d ' \n' | tr a-f A-F; }
want="9000$(head -c 240 "$work/payload.bin" | hexof)9000"
want+="$(head -c 480 "$work/payload.bin" | tail -c 240 | hexof)9000"
want+="$(tail -c 220 "$work/payload.bin" | hexof)6282"
[[ $got == "$want" ]] || fail "service payload read back differs"
run 1 emrtd read "${dev[@]}" "${PASSPORT[@]}"
grep -q "not an eMRTD" <<<"$err" || fail "service card read as eMRTD: '$err'"

# --- an unknown card
ctl "insert $work/unknown.card" >/dev/null
run 0 nfc list "${dev[@]}"
has '"application":"unknown"' || fail "unknown card: $out"
run 1 emrtd read "${dev[@]}" "${PASSPORT[@]}"
grep -q "not an eMRTD" <<<"$err" || fail "unknown card: '$err'"

# --- a corrupted answer frame mid-read: a clear I/O error
ctl "insert $work/td3.card" >/dev/null
ctl "corrupt apdu" >/dev/null
run 1 emrtd read "${dev[@]}" "${PASSPORT[@]}" --csca-dir "$work/csca"
grep -q "emrtd read: APDU" <<<"$err" || fail "corrupt frame: '$err'"

# --- the card removed after every APDU count of a full read
apdus() { ctl status | sed -n 's/.* apdus=\([0-9]*\).*/\1/p'; }
ctl "insert $work/td3.card" >/dev/null
before=$(apdus)
run 0 emrtd read "${dev[@]}" "${PASSPORT[@]}" --csca-dir "$work/csca"
total=$(($(apdus) - before))
((total > 10)) || fail "a full read took only $total APDUs"
for ((n = 0; n < total; n++)); do
    ctl "insert $work/td3.card" >/dev/null
    ctl "remove after $n" >/dev/null
    t0=$(date +%s%N)
    run 1 emrtd read "${dev[@]}" "${PASSPORT[@]}" --csca-dir "$work/csca" --photo "$work/r.jpg" \
        --timeout 200
    ms=$((($(date +%s%N) - t0) / 1000000))
    # Gone before the first APDU, the poll finds no card; after it, the APDU that finds it gone.
    why="the card left the field"
    ((n == 0)) && why="no card in the field"
    grep -q "$why" <<<"$err" || fail "removed after $n APDUs: '$err'"
    [[ -z $out && ! -e $work/r.jpg ]] || fail "removed after $n APDUs printed '$out'"
    ((ms < 10000)) || fail "removed after $n APDUs took $ms ms"
done
echo "emrtd: removal after each of $total APDUs ends in a clear error" >&2

# --- wait-removal: returns once the card is taken away, and times out while it stays
ctl "insert $work/td3.card" >/dev/null
run 1 nfc wait-removal "${dev[@]}" --timeout 300
has '"removed":false' || fail "wait-removal with the card still there: $out"
timeout 30 "$KIOSKCTL" nfc wait-removal "${dev[@]}" --timeout 20000 >"$work/w.out" 2>&1 &
waiter=$!
sleep 1
ctl remove >/dev/null
rc=0
wait "$waiter" || rc=$?
((rc == 0)) && grep -q '"removed":true' "$work/w.out" || fail "wait-removal: $(cat "$work/w.out")"

# --- SIGINT cancels a read blocked waiting for a card (the worker-thread cancel path). Every
# answer is 200 ms late, so the signal lands while libnfc waits inside a command: the watcher
# thread's lk_nfc_cancel must abort it (nfc_abort_command), not wait for it.
ctl remove >/dev/null
ctl "delay 200" >/dev/null
timeout 30 "$KIOSKCTL" emrtd read "${dev[@]}" "${PASSPORT[@]}" --timeout 20000 \
    >"$work/c.out" 2>"$work/c.err" &
reader=$!
sleep 3.5 # past the open (~10 late commands): into the polls
t0=$(date +%s%N)
kill -INT "$reader"
rc=0
wait "$reader" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
((rc == 1)) || fail "cancelled read exited $rc: $(cat "$work/c.err")"
grep -q "cancelled" "$work/c.err" || fail "cancelled read: '$(cat "$work/c.err")'"
((ms < 3000)) || fail "cancel took $ms ms"
grep -q "Sanitizer" "$work/c.err" && fail "sanitizer report on cancel: $(cat "$work/c.err")"
ctl "delay 0" >/dev/null

ctl quit >/dev/null || true
exec 3>&-
wait "$sim_pid" || fail "pn532-sim exited non-zero ($(cat "$work/sim.err"))"
sim_pid=
if ((failures > 0)); then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "emrtd: all checks passed"
