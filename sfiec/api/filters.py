"""Strict query parameters for every API list, set as DRF's default filter backends.

An integration that misspells a filter (``?stauts=draft``), orders by a field that is not
offered, or sends a value the filter cannot read (``?is_quarantined=-1``) gets a 400 naming
the parameter, never a silently unfiltered list. The allowed parameters of a view are:

* the filters of its FilterSet (``filterset_fields`` or ``filterset_class``),
* ``search`` if it declares ``search_fields``, ``ordering`` if it declares ``ordering_fields``,
* its paginator's parameters (``page``, ``page_size``, ``cursor``), and DRF's ``format``,
* anything it lists in ``extra_query_params`` (a view that reads its own parameters).
"""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import filters as django_filters
from django_filters import rest_framework as drf_filters
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

TRUE_VALUES = ("true", "1")
FALSE_VALUES = ("false", "0")


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is invalid instead of meaning 'no filter'."""

    default_error_messages = {"invalid": _("Give true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictFilterSet(drf_filters.FilterSet):
    """The FilterSet base of every list: booleans are read strictly."""

    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.NullBooleanField: {"filter_class": StrictBooleanFilter},
    }


def allowed_query_params(view, queryset) -> set[str]:
    allowed = {api_settings.URL_FORMAT_OVERRIDE} - {None}
    allowed.update(getattr(view, "extra_query_params", ()))
    for backend in getattr(view, "filter_backends", ()):
        allowed.update(getattr(backend(), "query_params_for", lambda v, q: ())(view, queryset))
    paginator = getattr(view, "paginator", None)
    if paginator is not None:
        for name in ("page_query_param", "page_size_query_param", "cursor_query_param"):
            if getattr(paginator, name, None):
                allowed.add(getattr(paginator, name))
    return allowed


def query_params_check(view, request, queryset) -> None:
    """400 naming every query parameter the view does not understand."""
    unknown = sorted(set(request.query_params) - allowed_query_params(view, queryset))
    if unknown:
        raise ValidationError(
            {name: [_("Unknown query parameter.")] for name in unknown}, code="unknown_parameter"
        )


class StrictFilterBackend(drf_filters.DjangoFilterBackend):
    """django-filter with StrictFilterSet, and the gate for unknown parameters (runs first).

    The FilterSet django-filter builds from a view's ``filterset_fields`` is built once per view
    and model, not twice per request; and a request that names none of its filters skips it
    (its form, with a queryset per foreign-key filter, cost a list a millisecond or more).
    """

    filterset_base = StrictFilterSet
    _auto_filtersets: dict = {}

    def get_filterset_class(self, view, queryset=None):
        fields = getattr(view, "filterset_fields", None)
        if getattr(view, "filterset_class", None) or not fields or queryset is None:
            return super().get_filterset_class(view, queryset)
        key = (type(view), queryset.model, repr(fields))
        if key not in self._auto_filtersets:
            self._auto_filtersets[key] = super().get_filterset_class(view, queryset)
        return self._auto_filtersets[key]

    def query_params_for(self, view, queryset):
        filterset_class = self.get_filterset_class(view, queryset)
        return set(filterset_class.base_filters) if filterset_class else set()

    def filter_queryset(self, request, queryset, view):
        query_params_check(view, request, queryset)
        carrier_id = _token_carrier_id(request)
        if carrier_id is not None:
            # A tracking token sees only its carrier's objects (partners.api.authentication).
            queryset = queryset.filter(**{view.tracking_scope_field: carrier_id})
        named = set(request.query_params) & self.query_params_for(view, queryset)
        if not named and not getattr(view, "filterset_class", None):
            return queryset  # an empty filter of filterset_fields filters nothing
        return super().filter_queryset(request, queryset, view)


class StrictSearchFilter(filters.SearchFilter):
    def query_params_for(self, view, queryset):
        return {self.search_param} if getattr(view, "search_fields", None) else set()

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "search_fields", None):
            return []
        return super().get_schema_operation_parameters(view)


class StrictOrderingFilter(filters.OrderingFilter):
    """Ordering only on the view's declared ``ordering_fields``; any other term is a 400."""

    def query_params_for(self, view, queryset):
        return {self.ordering_param} if getattr(view, "ordering_fields", None) else set()

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        invalid = [term for term in fields if term not in valid]
        if invalid:
            offered = ", ".join(item[0] for item in self.get_valid_fields(queryset, view))
            raise ValidationError(
                {
                    self.ordering_param: [
                        _("Cannot order by “%(terms)s”; choose from: %(offered)s.")
                        % {"terms": ", ".join(invalid), "offered": offered}
                    ]
                },
                code="invalid_ordering",
            )
        return valid

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "ordering_fields", None):
            return []
        return super().get_schema_operation_parameters(view)


def _token_carrier_id(request) -> int | None:
    """The carrier a tracking-scoped API token is limited to (partners.api.authentication)."""
    token = getattr(request, "auth", None)
    return getattr(token, "carrier_id", None) if getattr(token, "scope", "") == "tracking" else None
