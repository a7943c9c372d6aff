import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

logger = logging.getLogger(__name__)


class PageNumberPagination(pagination.PageNumberPagination):
    """Page numbers for the browser and most clients; ``page_size`` up to 500.

    A ``page_size`` that is not a whole number from 1 to 500 is a 400, not the default size.
    """

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size


class CachedCountPaginator(Paginator):
    """Django's paginator whose COUNT(*) of a big list is cached briefly per query.

    Half the time of a page of lots was the COUNT(*) over every row that matched. A count of at
    least ``API_LIST_COUNT_CACHE_MIN`` rows is kept for ``API_LIST_COUNT_CACHE_SECONDS`` under
    the exact SQL (so per filter, search and user scope) and a data version that any ORM save or
    delete bumps, so a change made through the app shows at once. Bulk writes that send no
    signal (``update()``, ``bulk_create``) show within the cache time. Smaller lists are exact.
    """

    @cached_property
    def count(self):
        seconds = settings.API_LIST_COUNT_CACHE_SECONDS
        query = getattr(self.object_list, "query", None)
        if not seconds or query is None:
            return super().count
        try:
            sql, params = _counted_rows_sql(query)
        except EmptyResultSet:
            return 0
        digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
        try:
            key = f"api-count:{data_version()}:{digest}"
            count = cache.get(key)
        except Exception:  # noqa: BLE001 - no cache, exact count
            logger.warning("List count cache unavailable", exc_info=True)
            return super().count
        if count is None:
            count = super().count
            if count >= settings.API_LIST_COUNT_CACHE_MIN:
                try:
                    cache.set(key, count, seconds)
                except Exception:  # noqa: BLE001
                    logger.warning("List count cache unavailable", exc_info=True)
        return count


def _counted_rows_sql(query) -> tuple[str, tuple]:
    """SQL that names the rows a COUNT(*) of ``query`` counts: an EXISTS over its joins and
    filters, which compiles in a fraction of the time of the page's select (no columns, no
    ordering). A DISTINCT counts distinct selected columns, so there the whole select."""
    if query.distinct:
        return query.sql_with_params()
    return query.exists(limit=False).sql_with_params()


def data_version() -> int:
    return cache.get_or_set(VERSION_KEY, 0, None)


def data_version_bump(**kwargs) -> None:
    """Called on every ORM save and delete; a cache that is down never stops a write."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)
    except Exception:  # noqa: BLE001 - e.g. Redis away: counts then age out within seconds
        logger.warning("Could not mark cached list counts out of date", exc_info=True)


VERSION_KEY = "api-count:version"
PageNumberPagination.django_paginator_class = CachedCountPaginator
