#!/usr/bin/env bash
# kioskctl print through a real private cupsd + ippeveprinter (tools/cups-rig), end to end:
# the received document is read back (pdftotext, pdftoppm at 300 dpi, zbarimg); the journal
# refuses a second print, a reprint needs an audited staff authorisation, revoked licenses are
# never printed, overlay prints consume stock serials.
set -euo pipefail
work=$(mktemp -d)
chmod 0755 "$work" # cupsd's filters run as lp and must reach the rig
rig="$LK_SOURCE_DIR/tools/cups-rig"
trap '"$rig" stop "$work/rig" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
k() { timeout 60 "$KIOSKCTL" --db "$work/k.db" "$@"; }
# One scalar of a flat JSON object (kioskctl's output), without starting an interpreter.
field() { grep -o "\"$2\":\(\"[^\"]*\"\|[-0-9.]*\)" <<<"$1" | head -1 | sed 's/^[^:]*://; s/^"//; s/"$//'; }

eval "$("$rig" start "$work/rig")"
[[ -n ${CUPS_SERVER:-} && $LK_PRINTER == kiosk && -d $LK_PRINT_SPOOL ]] || fail "rig exports"
k records import "$LK_TEST_DATA/records-sample.jsonl" >/dev/null
read -r uscc name payload revoked < <(python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
r = recs[0]
rev = next(x["uscc"] for x in recs if x["status"] == "revoked")
print(r["uscc"], r["name"], r["qr_payload"] or "http://www.gsxt.gov.cn/index.html?uniscid=" + r["uscc"], rev)
' "$LK_TEST_DATA/records-sample.jsonl")

# 1. End to end: the 正本, full page.
out=$(k print "$uscc" --copy original) || fail "print original: $out"
[[ $(field "$out" state) == completed && $(field "$out" outcome) == completed ]] || fail "not completed: $out"
job=$(field "$out" cups_job_id)
[[ $job -gt 0 ]] || fail "no CUPS job id: $out"
files=("$LK_PRINT_SPOOL"/*-lk-*.pdf)
[[ ${#files[@]} -eq 1 ]] || fail "expected one received document, got ${files[*]}"
doc=${files[0]}
pdfinfo "$doc" | grep -q 'Page size: *1190.5[0-9]* x 841.8[0-9]* pts (A3)' || fail "not A3 landscape: $(pdfinfo "$doc" | grep 'Page size')"
text=$(pdftotext "$doc" - | tr -d ' \n')
python3 - "$LK_TEST_DATA/records-sample.jsonl" "$text" <<'PY' || fail "a field is missing from the printed text"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
text = sys.argv[2]
for key in ("uscc", "name", "address", "authority", "capital"):
    v = "".join(str(r[key]).split())
    assert v in text, (key, v)
assert "".join(r["holder"]["name"].split()) in text, "holder"
y, m, d = r["established"].split("-")
assert f"{y}年{m}月{d}日" in text, "established"
y2, m2, d2 = r["term_to"].split("-")
assert f"至{y2}年{m2}月{d2}日" in text, "term"
scope = "".join(r["scope"].split())
assert scope[:40] in text and scope[-20:] in text, "scope"
assert "营业执照" in text, "title"
PY
pdftoppm -r 300 -gray -singlefile "$doc" "$work/page"
got=$(zbarimg -q --raw --nodbus "$work/page.pgm") || fail "no QR code in the received document"
[[ $got == "$payload" ]] || fail "QR payload '$got' is not '$payload'"

# 2. Exactly once: a second print is refused and sends nothing.
set +e
k print "$uscc" --copy original >/dev/null 2>"$work/err"; rc=$?
set -e
[[ $rc -eq 1 ]] && grep -q 'already printed' "$work/err" || fail "second print not refused ($rc): $(cat "$work/err")"
[[ $(ls "$LK_PRINT_SPOOL"/*-lk-*.pdf | wc -l) -eq 1 ]] || fail "a refused print reached the printer"

# 3. Reprint only with an audited authorisation.
set +e
k jobs authorise-reprint "$uscc" --copy original >/dev/null 2>&1; rc=$?
set -e
[[ $rc -eq 2 ]] || fail "authorise-reprint without a reason should be a usage error"
LK_ACTOR=supervisor-7 k jobs authorise-reprint "$uscc" --copy original --reason "torn at pickup" >/dev/null
out=$(k print "$uscc" --copy original) || fail "authorised reprint failed: $out"
[[ $(field "$out" attempt) == 2 && $(field "$out" prints) == 2 && $(field "$out" reprints) == 1 ]] || fail "reprint row: $out"
k audit list | grep '"print.reprint_authorised"' | grep -q 'supervisor-7' || fail "reprint authorisation not audited with its actor"
k audit list | grep -q 'torn at pickup' || fail "reprint reason not audited"
k audit verify >/dev/null || fail "audit chain broken"

# 4. Revoked licenses are never printed; a copy the license lacks is refused.
set +e
k print "$revoked" --copy original >/dev/null 2>"$work/err"; rc=$?
set -e
[[ $rc -eq 1 ]] && grep -q 'revoked' "$work/err" || fail "revoked license printed or wrong error: $(cat "$work/err")"
set +e
k print "$uscc" --copy duplicate --copy-no 9 >/dev/null 2>&1; rc=$?
set -e
[[ $rc -eq 1 ]] || fail "a 副本 the license does not have was not refused"

# 5. Overlay on serial-numbered stock: no stock -> refused; loaded -> consumes serials in order.
set +e
k print "$uscc" --copy duplicate --overlay >/dev/null 2>"$work/err"; rc=$?
set -e
[[ $rc -eq 1 ]] && grep -q 'no a4 stock' "$work/err" || fail "overlay without stock: $(cat "$work/err")"
k config set stock.low_threshold 2 >/dev/null
k stock load --tray main --media a4 --first YZ0000101 --last YZ0000103 >/dev/null
out=$(k print "$uscc" --copy duplicate --copy-no 1 --overlay) || fail "overlay print: $out"
[[ $(field "$out" stock_serial) == YZ0000101 ]] || fail "first overlay sheet serial: $out"
out=$(k print "$uscc" --copy duplicate --copy-no 2 --overlay) || fail "overlay print 2: $out"
[[ $(field "$out" stock_serial) == YZ0000102 ]] || fail "second overlay sheet serial: $out"
show=$(k stock show)
jq -e '.left.a4 == 1 and .stacks[0].next == "YZ0000103" and .stacks[0].printed == 2
       and .stacks[0].voided == 0 and .status == "warning" and (.low | index("a4") != null)' \
    <<<"$show" >/dev/null || fail "stock ledger: $show"
dup=$(ls -t "$LK_PRINT_SPOOL"/*-lk-*.pdf | head -1)
pdfinfo "$dup" | grep -q 'Page size: *841.8[0-9]* x 595.2[0-9]* pts (A4)' || fail "副本 not A4 landscape"

[[ $(k jobs | jq -s '[.[] | select(.state == "completed")] | length') == 3 ]] || fail "journal list"
"$rig" stop "$work/rig"
"$rig" status "$work/rig" | grep -q alive && fail "rig stop left a daemon running"
echo "print: ok"
