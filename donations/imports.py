"""Spreadsheet import of many lots: the template, reading .xlsx/.csv, and row-by-row checks.

Every row goes through the same ``LotFieldsForm`` as the offer page, so the rules are one set.
Nothing is saved here; the view saves through ``services.offer_submit`` once every row is valid.
"""

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from sfiec.choices import CURRENCIES, Category, Unit
from sfiec.spreadsheets import cell_safe, csv_bytes

from .forms import LOT_VALUE_FIELDS, LotFieldsForm

# (column, English help, Chinese help); the column names are the form's field names.
COLUMNS = [
    ("category", "Category code (see the Help sheet)", "类别代码（见“Help”表）"),
    ("product", "Brand and model", "品牌和型号"),
    ("manufacturer", "Manufacturer", "生产企业"),
    ("standard", "Standard code, e.g. CN_GB2626_KN95 (optional)", "标准代码（可选）"),
    ("batch_number", "Batch number (optional)", "批号（可选）"),
    ("unit", "Unit: piece, pair, kit, set, bottle, unit", "单位"),
    ("quantity_offered", "Quantity (whole number > 0)", "数量（正整数）"),
    ("cartons", "Cartons (whole number > 0)", "箱数（正整数）"),
    ("units_per_carton", "Units per carton (optional)", "每箱数量（可选）"),
    ("gross_weight_kg", "Gross weight in kg (optional)", "毛重（千克，可选）"),
    ("net_weight_kg", "Net weight in kg (optional)", "净重（千克，可选）"),
    ("manufactured_on", "Manufacture date YYYY-MM-DD", "生产日期 YYYY-MM-DD"),
    ("expires_on", "Expiry date YYYY-MM-DD", "有效期至 YYYY-MM-DD"),
    ("unit_value", "Declared value per unit (0 or more)", "申报单价（≥0）"),
    ("currency", "Currency: CNY, USD, EUR, KRW, KHR", "币种"),
    (
        "is_manufacturer_whitelisted",
        "Manufacturer on the export whitelist: yes/no",
        "白名单企业：是/否",
    ),
]
HEADERS = [name for name, _en, _zh in COLUMNS]
assert set(HEADERS) == set(LOT_VALUE_FIELDS), "the template must cover every lot field"

EXAMPLE = {
    "category": "respirator_nonmedical",
    "product": "Acme KN95 9501",
    "manufacturer": "Shenzhen Safety Products Co.",
    "standard": "CN_GB2626_KN95",
    "batch_number": "B20260301",
    "unit": "piece",
    "quantity_offered": 10000,
    "cartons": 20,
    "units_per_carton": 500,
    "gross_weight_kg": 120,
    "net_weight_kg": 100,
    "manufactured_on": "2026-03-01",
    "expires_on": "2029-02-28",
    "unit_value": 1.2,
    "currency": "CNY",
    "is_manufacturer_whitelisted": "yes",
}
# An .xlsx from Excel or the template has a dozen parts; thousands mean something else.
_MAX_XLSX_PARTS = 500
# Yes/no cells: the usual spellings in both languages; anything else is a row error, never
# silently "no". A blank cell is "no" (the column is optional).
_YES = {"yes", "y", "true", "是"}
_NO = {"no", "n", "false", "否", ""}
YES_NO_FIELDS = ("is_manufacturer_whitelisted",)


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str
    label: str = ""  # the field's label, for people; ``field`` is the column name


def template_xlsx() -> bytes:
    """The import template: a Lots sheet with the header row, and a Help sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Lots"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, name in enumerate(HEADERS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            14, len(name) + 2
        )
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("Help")
    help_sheet.append(["column", "English", "中文", "example"])
    for name, english, chinese in COLUMNS:
        help_sheet.append([cell_safe(cell) for cell in (name, english, chinese, EXAMPLE[name])])
    help_sheet.append([])
    help_sheet.append(["category codes"])
    for value, label in Category.choices:
        help_sheet.append([value, str(label)])
    help_sheet.append([])
    help_sheet.append(["units", ", ".join(Unit.values)])
    help_sheet.append(["currencies", ", ".join(code for code, _label in CURRENCIES)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    """The CSV template: the header row only, UTF-8 with a BOM so Excel reads Chinese right."""
    return csv_bytes(HEADERS, [])


def rows_read(upload) -> list[tuple[int, dict]]:
    """Read the spreadsheet into ``(row number, {column: text})``, skipping empty rows.

    Row numbers are those the partner sees in the spreadsheet (the header is row 1). Raises
    ValidationError if the file is not a readable .xlsx/.csv, its header row is not the
    template's, or it has more rows than ``OFFER_IMPORT_MAX_ROWS``.
    """
    if upload.size > settings.UPLOAD_MAX_FILE_BYTES:
        raise ValidationError(_("The spreadsheet is too big."))
    data = upload.read()
    if data.startswith(b"PK\x03\x04"):
        table = _xlsx_rows(data)
    else:
        table = _csv_rows(data)
    try:
        header = [str(cell or "").strip().lower() for cell in next(table)]
    except StopIteration:
        raise ValidationError(_("The spreadsheet is empty.")) from None
    missing = [name for name in HEADERS if name not in header]
    if missing:
        raise ValidationError(
            _("The first row must be the template's header; missing columns: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    positions = {name: header.index(name) for name in HEADERS}
    rows = []
    for number, cells in enumerate(table, start=2):
        cells = list(cells)
        values = {
            name: _cell_text(cells[index] if index < len(cells) else None)
            for name, index in positions.items()
        }
        if not any(values.values()):
            continue
        rows.append((number, values))
        if len(rows) > settings.OFFER_IMPORT_MAX_ROWS:
            raise ValidationError(
                _("At most %(max)d rows can be imported at once; split the spreadsheet.")
                % {"max": settings.OFFER_IMPORT_MAX_ROWS}
            )
    if not rows:
        raise ValidationError(_("The spreadsheet has no lots below the header row."))
    return rows


def rows_check(rows: list[tuple[int, dict]]) -> tuple[list[dict], list[RowError]]:
    """Check every row; return the lot values of all rows and every error found."""
    values, errors = [], []
    for number, raw in rows:
        data = dict(raw)
        row_errors = []
        for field in YES_NO_FIELDS:
            answer = _yes_no(data.get(field))
            if answer is None:
                row_errors.append(
                    _row_error(
                        number,
                        field,
                        _(
                            "“%(value)s” is not yes or no: "
                            "write yes, no, y, n, true, false, 是 or 否."
                        )
                        % {"value": data.get(field)},
                    )
                )
            data[field] = "on" if answer else ""
        data.setdefault("unit", "piece")
        form = LotFieldsForm(data=data)
        if form.is_valid() and not row_errors:
            values.append(form.lot_values())
            continue
        for field, messages in form.errors.items():
            for message in messages:
                row_errors.append(_row_error(number, "" if field == "__all__" else field, message))
        errors.extend(row_errors)
    return values, errors


def _yes_no(value) -> bool | None:
    """True for yes, False for no (or blank), None for anything else."""
    text = str(value if value is not None else "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def _row_error(number: int, field: str, message: str) -> RowError:
    form_field = LotFieldsForm.base_fields.get(field)
    return RowError(
        row=number, field=field, message=message, label=str(form_field.label) if form_field else ""
    )


def _xlsx_rows(data: bytes):
    _xlsx_unpacked_check(data)
    try:
        # Not data_only: a formula cell is read as the text it is, never as its cached value.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationError(_("This is not a readable .xlsx file.")) from None
    sheet = workbook["Lots"] if "Lots" in workbook.sheetnames else workbook.worksheets[0]
    return sheet.iter_rows(values_only=True)


def _xlsx_unpacked_check(data: bytes) -> None:
    """Refuse a workbook whose parts unpack past ``OFFER_IMPORT_MAX_UNPACKED_BYTES``.

    A few MB of zip can unpack to gigabytes (a "zip bomb"), which openpyxl would hold in memory.
    The declared sizes are checked first; then every part is unpacked once, in chunks, counting
    what really comes out, in case the headers lie.
    """
    cap = settings.OFFER_IMPORT_MAX_UNPACKED_BYTES
    too_big = ValidationError(
        _("This spreadsheet unpacks to more than %(max)s; split it into smaller files.")
        % {"max": filesizeformat(cap)},
        code="unpacked_too_big",
    )
    unreadable = ValidationError(_("This is not a readable .xlsx file."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
        if len(parts) > _MAX_XLSX_PARTS or sum(part.file_size for part in parts) > cap:
            raise too_big
        unpacked = 0
        for part in parts:
            with archive.open(part) as member:
                while chunk := member.read(1 << 20):
                    unpacked += len(chunk)
                    if unpacked > cap:
                        raise too_big
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise unreadable from None


def _csv_rows(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("The CSV file must be saved as UTF-8."))
    if "\x00" in text:
        raise ValidationError(_("This is not a CSV file."))
    # The dialect Excel writes (a quote inside a cell is doubled), never guessed from the data.
    reader = csv.reader(io.StringIO(text, newline=""), dialect=csv.excel)
    rows = []
    while True:
        try:
            rows.append(next(reader))
        except StopIteration:
            return iter(rows)
        except csv.Error:
            raise ValidationError(
                _(
                    "Row %(row)d: a cell is too long or badly quoted; cells may hold at most "
                    "%(max)d characters."
                )
                % {"row": reader.line_num, "max": csv.field_size_limit()},
                code="csv_row",
            ) from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
