#!/usr/bin/env bash
# Peak memory of every reader on hostile files: builds a corpus of bombs
# (shared strings, one huge inline string, an ods content bomb, a declared
# count of 10^18, a part that lies about its size, a 300 MB one-line CSV)
# in a temp folder, runs
# `paybatch validate` on each in a demo workspace, and prints exit code,
# wall time and peak RSS (MiB). Every file must be refused with exit 3
# well under 1 GB.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/paybatch-target}"
cargo build --release --quiet --bin paybatch
B="$CARGO_TARGET_DIR/release/paybatch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys, zipfile, os
out = sys.argv[1]
def xlsx(path, strings=None, sheet=None):
    ct = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    rels = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    wb = '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    wbrels = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct); z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", wb); z.writestr("xl/_rels/workbook.xml.rels", wbrels)
        z.writestr("xl/worksheets/sheet1.xml", sheet or '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')
        z.writestr("xl/sharedStrings.xml", strings or '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>工号</t></si></sst>')
big = "A" * (3 << 30 >> 2)
xlsx(f"{out}/shared-strings-bomb.xlsx", strings='<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>' + big + '</t></si></sst>')
xlsx(f"{out}/inline-string-bomb.xlsx", sheet='<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>' + big + '</t></is></c></row></sheetData></worksheet>')
xlsx(f"{out}/huge-count.xlsx", strings='<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1000000000000000000"><si><t>x</t></si></sst>')
with zipfile.ZipFile(f"{out}/content-bomb.ods", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    z.writestr("content.xml", "<office:document-content>" + big + "</office:document-content>")
# A part that declares 4 KB and inflates to 750 MB.
xlsx(f"{out}/lying-size.xlsx", strings='<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>' + big + '</t></si></sst>')
data = bytearray(open(f"{out}/lying-size.xlsx", "rb").read())
name = b"xl/sharedStrings.xml"
for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
    at = data.find(sig)
    while at >= 0:
        if data[at + name_at:at + name_at + len(name)] == name:
            data[at + size_at:at + size_at + 4] = (4096).to_bytes(4, "little")
        at = data.find(sig, at + 4)
open(f"{out}/lying-size.xlsx", "wb").write(data)
with open(f"{out}/one-line.csv", "w") as f:
    f.write("9" * (300 << 20))
PY
printf '| file | exit | wall (s) | peak RSS (MiB) |\n|---|---:|---:|---:|\n'
for f in "$work"/*.xlsx "$work"/*.ods "$work"/*.csv; do
  ws="$work/ws"; rm -rf "$ws"; "$B" -q demo "$ws" >/dev/null 2>&1 || true
  ext="${f##*.}"; rm -f "$ws/inputs/2026-01/花名册.xlsx"; cp "$f" "$ws/inputs/2026-01/花名册.$ext"
  code=0
  /usr/bin/time -f "%e %M" -o "$work/t" "$B" -q -w "$ws" validate -p 2026-01 --no-report >/dev/null 2>&1 || code=$?
  read -r wall rss < <(tail -n 1 "$work/t")
  printf '| %s | %s | %s | %d |\n' "$(basename "$f")" "$code" "$wall" "$((rss / 1024))"
done
