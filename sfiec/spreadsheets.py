"""Writing spreadsheets for people to open: every export goes through here.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one)
is run as a formula by Excel, LibreOffice and Numbers; text from partners could then fetch URLs
or start programs on the reader's machine ("CSV injection"). ``cell_safe`` prefixes such text
with an apostrophe, which spreadsheets show as text. Numbers, dates and empty cells pass as they
are. Imports store such cells as the text they are; only exports escape them. Control
characters (other than tab and line breaks) become U+FFFD: the .xlsx format cannot hold them.
"""

import csv
import io
from collections.abc import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value):
    """The value as it may go into an exported cell: text a spreadsheet would run, escaped;
    control characters the .xlsx format cannot hold (openpyxl refuses the whole workbook)
    replaced by U+FFFD, in CSV too, so both exports read the same."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A CSV file (Excel dialect, UTF-8 with a BOM so Excel reads Chinese right), escaped."""
    out = io.StringIO()
    writer = csv.writer(out, dialect=csv.excel)
    writer.writerow([cell_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([cell_safe(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Mapping[str, Iterable[Iterable]], *, bold_header: bool = True) -> bytes:
    """An .xlsx workbook of ``{sheet title: rows}``; text cells are stored as text, escaped."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for index, row in enumerate(rows):
            sheet.append([cell_safe(cell) for cell in row])
            if index == 0 and bold_header:
                for cell in sheet[1]:
                    cell.font = Font(bold=True)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
