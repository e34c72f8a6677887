#!/usr/bin/env bash
# pn532_sim.sh: pn532-sim driven by libnfc's real pn532_uart driver: nfc-list sees the virtual
# card's UID and stops seeing it after `remove`; pn532-apdu (libnfc transceive) gets scripted,
# default (6D00) and extended-frame answers; fault injection (remove after N, corrupt, delay,
# baud pacing) shows up as libnfc errors or timing; quit ends the process.
set -euo pipefail

: "${LK_BUILD_DIR:?LK_BUILD_DIR must point at the build tree}"
SIM=$LK_BUILD_DIR/tools/pn532-sim
APDU=$LK_BUILD_DIR/tools/pn532-apdu
work=$(mktemp -d)
sim_pid=
cleanup() {
    if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    exec 3>&- 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
# Only the device named here: no USB scan, no serial probing, whatever /etc/nfc says.
export LIBNFC_AUTO_SCAN=false LIBNFC_INTRUSIVE_SCAN=false LIBNFC_LOG_LEVEL=1
unset LIBNFC_DEFAULT_DEVICE
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

big=$(python3 -c 'print("".join("%02X" % (i & 0xFF) for i in range(256)))')
cat >"$work/a.card" <<CARD
# ISO 14443-4 A card with a scripted table
type=iso14443a
uid=08123456
atqa=0004
sak=20
ats=7877B102
apdu=00A4040C07A0000002471001:9000
apdu=0084000008:4608F919887022129000
apdu=0084000008:1122334455667788 9000
apdu=00B0000000:${big}9000
CARD
cat >"$work/b.card" <<'CARD'
type=iso14443b
atqb=50 11223344 00000000 008181
CARD

# Starts the simulator with stdin on a fifo (fd 3) and waits for the pty path.
mkfifo "$work/in"
exec 3<>"$work/in"
"$SIM" --card "$work/a.card" --control "$work/ctl.sock" <&3 >"$work/out" 2>"$work/err" &
sim_pid=$!
for _ in $(seq 50); do
    [[ -s $work/out && -S $work/ctl.sock ]] && break
    sleep 0.1
done
pty=$(head -n1 "$work/out")
if [[ ! -c $pty ]]; then
    echo "FAIL: no pty path on pn532-sim's first line: '$pty' ($(cat "$work/err"))" >&2
    exit 1
fi
conn=pn532_uart:$pty

# ctl LINE: one command over the control socket; prints the reply line.
ctl() {
    timeout 5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline().strip())
' "$work/ctl.sock" "$1"
}

# stdin_cmd LINE: one command on stdin; waits for its reply line on stdout.
stdin_cmd() {
    local before
    before=$(wc -l <"$work/out")
    echo "$1" >&3
    for _ in $(seq 50); do
        (($(wc -l <"$work/out") > before)) && break
        sleep 0.05
    done
    tail -n1 "$work/out"
}

nfclist() {
    LIBNFC_DEVICE=$conn timeout 20 nfc-list "$@" 2>&1 || true
}

# apdu WANT_RC ARGS...: pn532-apdu; leaves stdout in $out.
apdu() {
    local want=$1 rc=0
    shift
    out=$(timeout 20 "$APDU" "$@" 2>"$work/apdu.err") || rc=$?
    if [[ $rc -ne $want ]]; then
        fail "pn532-apdu $* exited $rc, expected $want ($(cat "$work/apdu.err"))"
        return 1
    fi
}

now_ms() { date +%s%3N; }

# --- nfc-list sees the card from --card
listing=$(nfclist)
grep -q "08  12  34  56" <<<"$listing" || fail "nfc-list does not show UID 08123456: $listing"
grep -q "ATS: 78  77  b1  02" <<<"$listing" || fail "nfc-list does not show the ATS: $listing"

# --- APDUs through libnfc: scripted answers in order (the last repeats), 6D00 for the rest,
# and a 258-byte answer that needs an extended frame.
if apdu 0 "$conn" 00A4040C07A0000002471001 0084000008 0084000008 0084000008 00B0000400; then
    want=$'9000\n4608F919887022129000\n11223344556677889000\n11223344556677889000\n6D00'
    [[ $out == "$want" ]] || fail "APDU answers: got '$out'"
fi
apdu 0 "$conn" 00B0000000 && [[ $out == "${big}9000" ]] || fail "extended-frame answer: '$out'"

# --- remove over the control socket: nfc-list finds nothing, APDUs fail
reply=$(ctl remove)
[[ $reply == "ok removed" ]] || fail "remove replied '$reply'"
listing=$(nfclist)
grep -q "08  12  34  56" <<<"$listing" && fail "nfc-list still shows the removed card"
grep -q "NFC device: .* opened" <<<"$listing" || fail "nfc-list could not open the reader: $listing"
apdu 1 "$conn" 00A4040C07A0000002471001 || true

# --- an unknown ISO 14443-B card, inserted on stdin
reply=$(stdin_cmd "insert $work/b.card")
[[ $reply == "ok inserted" ]] || fail "insert replied '$reply'"
listing=$(nfclist -t 8)
grep -q "PUPI: 11  22  33  44" <<<"$listing" || fail "nfc-list -t 8 does not show PUPI: $listing"
apdu 0 --type b "$conn" 00A4040C07A0000002471001 && [[ $out == 6D00 ]] ||
    fail "unknown B card answered '$out'"

# --- remove after N APDUs: the first is answered, the second finds the card gone
ctl "insert $work/a.card" >/dev/null
reply=$(ctl "remove after 1")
[[ $reply == "ok removing after 1 APDUs" ]] || fail "remove after replied '$reply'"
apdu 1 "$conn" 00A4040C07A0000002471001 0084000008 || true
[[ $out == 9000 ]] || fail "remove after 1: first APDU got '$out'"
grep -q "RF Transmission Error" "$work/apdu.err" || fail "remove after 1: $(cat "$work/apdu.err")"

# --- corrupt the next APDU answer: libnfc sees a checksum error, the next exchange works
ctl "insert $work/a.card" >/dev/null
[[ $(ctl "corrupt apdu") == "ok corrupting the next APDU answer" ]] || fail "corrupt apdu"
apdu 1 "$conn" 00A4040C07A0000002471001 || true
apdu 0 "$conn" 00A4040C07A0000002471001 && [[ $out == 9000 ]] || fail "after corrupt: '$out'"

# --- delay: every answer is late by 100 ms (still inside libnfc's 350 ms budget)
ctl "delay 100" >/dev/null
t0=$(now_ms)
apdu 0 "$conn" 00A4040C07A0000002471001 || true
t1=$(now_ms)
# nfc_open + initiator_init + select + one APDU + close is well over 10 commands.
((t1 - t0 >= 1000)) || fail "delay 100: the session took only $((t1 - t0)) ms"
ctl "delay 0" >/dev/null

# --- baud pacing: 268 bytes of answer frame at 9600 baud take 279 ms on the wire
t0=$(now_ms)
apdu 0 "$conn" 00B0000000 >/dev/null || true
unpaced=$(($(now_ms) - t0))
ctl "baud 9600" >/dev/null
t0=$(now_ms)
apdu 0 "$conn" 00B0000000 && [[ $out == "${big}9000" ]] || fail "paced extended answer"
paced=$(($(now_ms) - t0))
((paced - unpaced >= 250)) || fail "baud 9600: paced $paced ms vs unpaced $unpaced ms"
ctl "baud 0" >/dev/null

# --- bad commands are refused, not fatal
[[ $(ctl "insert $work/absent.card") == error:* ]] || fail "insert of a missing file not refused"
[[ $(ctl "frobnicate") == error:* ]] || fail "unknown command not refused"
[[ $(ctl status) == "ok card=present"* ]] || fail "status: $(ctl status)"

# --- quit ends the process, cleanly
stdin_cmd quit >/dev/null
rc=0
for _ in $(seq 50); do
    kill -0 "$sim_pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$sim_pid" 2>/dev/null; then
    fail "pn532-sim still runs after quit"
else
    wait "$sim_pid" || rc=$?
    ((rc == 0)) || fail "pn532-sim exited $rc after quit ($(cat "$work/err"))"
    [[ -e $work/ctl.sock ]] && fail "control socket left behind"
fi
sim_pid=

if ((failures > 0)); then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "pn532_sim: all checks passed"
