"""CSV and Excel exports of a staff list, in bounded memory whatever the number of rows.

Rows are read from the database in chunks (``QuerySet.iterator``). CSV streams to the client
as it is written; Excel goes through openpyxl's write-only workbook into a temporary file that
is then streamed. Every cell passes ``cell_safe`` (formula-injection escaping).
"""

import csv
import tempfile
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from sfiec.spreadsheets import cell_safe

from .lists import ListKind

CHUNK = 2000


def _filename(kind: ListKind, extension: str) -> str:
    return f"sfiec-{kind.slug}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def _header(kind: ListKind) -> list[str]:
    return [str(column.label) for column in kind.columns]


def export_rows(kind: ListKind, rows: QuerySet) -> Iterator[list]:
    """Each row's exported cells, escaped; translated labels become text."""
    for obj in rows.iterator(chunk_size=CHUNK):
        yield [cell_safe(_plain(column.value(obj))) for column in kind.columns]


def _plain(value):
    return str(value) if isinstance(value, Promise) else value


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value):
        return value


def csv_export_response(kind: ListKind, rows: QuerySet) -> StreamingHttpResponse:
    """A streamed CSV (Excel dialect, UTF-8 with a BOM so Excel reads Chinese right)."""
    writer = csv.writer(_Echo(), dialect=csv.excel)

    def lines():
        yield "\ufeff" + writer.writerow([cell_safe(cell) for cell in _header(kind)])
        for cells in export_rows(kind, rows):
            yield writer.writerow(["" if cell is None else cell for cell in cells])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(kind, "csv")}"'
    return response


def xlsx_export_response(kind: ListKind, rows: QuerySet) -> FileResponse:
    """An .xlsx written row by row to a temporary file, which is deleted once sent."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(kind.title)[:31])
    bold = Font(bold=True)
    header = []
    for title in _header(kind):
        cell = WriteOnlyCell(sheet, value=cell_safe(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for cells in export_rows(kind, rows):
        sheet.append(cells)
    # Deleted when closed, which FileResponse does once the last byte is sent.
    out = tempfile.NamedTemporaryFile(prefix="sfiec-export-", suffix=".xlsx")  # noqa: SIM115
    workbook.save(out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=_filename(kind, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
