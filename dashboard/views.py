from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sfiec.decorators import staff_required

from .exports import csv_export_response, xlsx_export_response
from .lists import KINDS, staff_list_rows
from .selectors import KPIS, dashboard_panel

PAGE_SIZE = 50


@staff_required
@require_GET
def dashboard_home(request):
    """Staff (every role, viewer included): KPI cards, charts and the flow map."""
    kpis = [dashboard_panel(name=name) for name in KPIS]
    return render(request, "dashboard/home.html", {"kpis": kpis, "lists": KINDS.values()})


def _kind_or_404(slug):
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404(_("No such list.")) from None


@staff_required
@require_GET
def staff_list(request, kind):
    """Staff (every role): one list, filtered, searched, sorted and paged by the URL."""
    kind = _kind_or_404(kind)
    filterset, rows = staff_list_rows(kind=kind, user=request.user, params=request.GET)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    current_sort = unsorted.pop("sort", [""])[0]
    table = [
        [
            (column.label, column.value(obj), column.link(obj) if column.link else "")
            for column in kind.columns
        ]
        for obj in page
    ]
    return render(
        request,
        "dashboard/list.html",
        {
            "kind": kind,
            "kinds": KINDS.values(),
            "filter": filterset,
            "page": page,
            "table": table,
            "headers": _headers(kind, unsorted, current_sort),
            "query": query.urlencode(),
        },
    )


def _headers(kind, unsorted, current_sort) -> list[dict]:
    """Column headings; a sortable one links to its ascending sort, or descending if current."""
    base = unsorted.urlencode()
    headers = []
    for column in kind.columns:
        header = {"label": column.label, "numeric": column.numeric, "url": "", "sort": ""}
        if column.sort:
            ascending = current_sort == column.sort
            descending = current_sort == f"-{column.sort}"
            target = f"-{column.sort}" if ascending else column.sort
            header["url"] = "?" + "&".join(filter(None, [base, f"sort={target}"]))
            header["sort"] = "ascending" if ascending else "descending" if descending else ""
        headers.append(header)
    return headers


@staff_required
@require_GET
def staff_list_export(request, kind, fmt):
    """Staff (every role): the filtered list as CSV or Excel, every row, not only one page."""
    kind = _kind_or_404(kind)
    filterset, rows = staff_list_rows(kind=kind, user=request.user, params=request.GET)
    if filterset.errors:
        return HttpResponseBadRequest(filterset.errors.as_text(), content_type="text/plain")
    if fmt == "csv":
        return csv_export_response(kind, rows)
    return xlsx_export_response(kind, rows)
