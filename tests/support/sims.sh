# tests/support/sims.sh: starting the simulators several cli tests share (sourced, never run;
# tests/cli/*.sh are each a test, so this lives here). Each function leaves the simulator's
# pid in sim_pid for the caller's trap to stop, and calls the caller's fail() when it cannot.

# lk_pn532_sim_start WORK [ARGS...]: pn532-sim with its control socket at WORK/sim.sock and no
# card (tests lay one with the socket); sets pty to the reader's device.
lk_pn532_sim_start() {
    local work=$1
    shift
    "$LK_BUILD_DIR/tools/pn532-sim" --control "$work/sim.sock" "$@" </dev/null \
        >"$work/sim.out" 2>"$work/sim.err" &
    sim_pid=$!
    for _ in $(seq 50); do
        [[ -s $work/sim.out && -S $work/sim.sock ]] && break
        sleep 0.1
    done
    pty=$(head -n1 "$work/sim.out")
    [[ -c $pty ]] || fail "pn532-sim gave no pty ($(cat "$work/sim.err"))"
}

# lk_registry_sim_start WORK RECORDS SEED: registry-sim on loopback with a fresh test PKI in
# WORK (ca.pem, kiosk.key, lookup.key), serving RECORDS synthetic records; sets url, defines
# ctl PATH (a POST to the simulator's fault-injection and inspection API), and points the
# database in $LK_DB at it.
lk_registry_sim_start() {
    local work=$1 sim=$LK_BUILD_DIR/tools/registry-sim/registry-sim
    "$sim" --make-pki "$work" >/dev/null
    mkfifo "$work/out"
    "$sim" --pki "$work" --records "$2" --seed "$3" --control >"$work/out" 2>"$work/sim.err" &
    sim_pid=$!
    exec 4<"$work/out"
    local first
    read -r first <&4 || fail "registry-sim did not start ($(cat "$work/sim.err"))"
    url=https://127.0.0.1:$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' <<<"$first")
    ctl() { curl -sS --cacert "$work/ca.pem" -X POST "$url/sim/$1"; }
    local k=$KIOSKCTL
    $k config set registry.url "$url" >/dev/null
    $k config set registry.ca_file "$work/ca.pem" >/dev/null
    $k config set registry.key_file "$work/kiosk.key" >/dev/null
    $k config set registry.lookup_key_file "$work/lookup.key" >/dev/null
    $k config set registry.kiosk_id kiosk-1 >/dev/null
}
