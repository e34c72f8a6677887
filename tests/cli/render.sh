#!/usr/bin/env bash
# kioskctl render: a stored license drawn as PDF and PNG, read back with poppler and zbar.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
k() { timeout 60 "$KIOSKCTL" --db "$work/k.db" "$@"; }

k records import "$LK_TEST_DATA/records-sample.jsonl" >/dev/null
# The first sample record: its code, name and QR payload are what the print must carry.
read -r uscc name payload < <(python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline())
print(r["uscc"], r["name"], r["qr_payload"] or "http://www.gsxt.gov.cn/index.html?uniscid=" + r["uscc"])
' "$LK_TEST_DATA/records-sample.jsonl")

out=$(k render "$uscc" --copy original -o "$work/o.pdf") || fail "render original"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["copy"]=="original" and d["mode"]=="full"' "$out" \
    || fail "summary JSON: $out"
text=$(pdftotext "$work/o.pdf" - | tr -d ' \n')
[[ $text == *"$uscc"* ]] || fail "PDF text lacks the code"
[[ $text == *"$(tr -d ' ' <<<"$name")"* ]] || fail "PDF text lacks the name"
pdfinfo "$work/o.pdf" | grep -q 'Page size: *1190.5[0-9]* x 841.8[0-9]*' || fail "original is not A3 landscape"
pdftoppm -r 300 -png "$work/o.pdf" "$work/o"
got=$(zbarimg --raw -q "$work"/o-1.png 2>/dev/null) || fail "no QR code found"
[[ $got == "$payload" ]] || fail "QR payload '$got' is not '$payload'"

k render "$uscc" --copy duplicate --overlay -o "$work/d.pdf" >/dev/null || fail "render duplicate"
pdfinfo "$work/d.pdf" | grep -q 'Page size: *841.8[0-9]* x 595.2[0-9]*' || fail "duplicate is not A4 landscape"
pdftotext "$work/d.pdf" "$work/d.txt"
if grep -q '营 *业 *执 *照' "$work/d.txt"; then fail "overlay printed the pre-printed title"; fi

# Overlay prints take the printer's calibration; a 5 mm offset must move the text.
k config set printer.calibration_x_01mm 50 >/dev/null
k render "$uscc" --copy duplicate --overlay -o "$work/d2.pdf" >/dev/null
first_x() { # xMin of the first word on the page, in points
    pdftotext -bbox "$1" "$work/bbox.html"
    python3 -c 'import re,sys; print(re.search(r"<word xMin=\"([0-9.]+)\"", open(sys.argv[1]).read()).group(1))' "$work/bbox.html"
}
x1=$(first_x "$work/d.pdf")
x2=$(first_x "$work/d2.pdf")
python3 -c 'import sys; d=float(sys.argv[2])-float(sys.argv[1]); assert abs(d-50/254*72) < 0.5, d' "$x1" "$x2" \
    || fail "calibration moved text by the wrong amount ($x1 -> $x2)"

k render "$uscc" --copy original -o "$work/p.png" >/dev/null || fail "render png"
file "$work/p.png" | grep -q 'PNG image data, 1587 x 1123' || fail "preview size: $(file "$work/p.png")"

set +e
k render 91520000214434146R --copy original -o "$work/x.pdf" 2>/dev/null; [[ $? -eq 1 ]] || fail "unknown code should exit 1"
k render "$uscc" -o "$work/x.pdf" 2>/dev/null; [[ $? -eq 2 ]] || fail "missing --copy should exit 2"
k render "$uscc" --copy original -o "$work/x.txt" 2>/dev/null; [[ $? -eq 2 ]] || fail "bad suffix should exit 2"
k render "$uscc" --copy both -o "$work/x.pdf" 2>/dev/null; [[ $? -eq 2 ]] || fail "bad copy should exit 2"
set -e
[[ ! -e $work/x.pdf ]] || fail "a failed render left a file"
echo "render: ok"
