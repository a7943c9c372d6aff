"""Lists of output serializers rendered by a plan made once, not field by field and row by row.

DRF renders every field of every row through its generic machinery: ``get_attribute`` (with
its Mapping and callable checks), ``to_representation``, for a datetime the current time zone
looked up again; and a ModelSerializer introspects its model again on every request to build
its fields. A page of 50 shipments with their lines and events is about 5,000 such fields: most
of the page's time. A serializer with ``Meta.list_serializer_class = ReadOnlyListSerializer``
keeps its declared fields (they make the OpenAPI schema and render a single object as before),
but a list of it is rendered by a :class:`RowPlan`: per field a getter and a converter, made
once per serializer class and time zone. Such a serializer must declare the same fields for
every request. A field the plan has no fast getter for (a method field, a custom field) goes
through DRF's own ``get_attribute``/``to_representation`` (and its plan is then made per list),
and so does a row whose fast getter fails (a ``None`` on the way): the output is DRF's to the
letter (tests/api/test_list_serializers.py compares).

Rows may be model instances or the dicts of ``.values(*values_columns(serializer_class))``:
a view whose serializer reads only columns lists without building model instances. A nested
``many=True`` serializer over a reverse foreign key that the rows have not prefetched is read
with one ``.values()`` query for the whole page, in the related model's ordering; columns one
relation further (``lot.reference`` of a shipment line) come from one more query by primary key
rather than a join (with a join PostgreSQL scanned the whole lots table for 150 lines). A page
makes the same number of queries at every size. Fields read from ``.values()`` must name a
column through non-null relations; ``ImproperlyConfigured`` names the one that does not.

Those queries by a list of keys are compiled once per number of keys (``sfiec.keyed_queries``):
the ORM spent more time preparing 150 keys than PostgreSQL spent answering. Rows read from
``.values()`` are rendered from tuples in a few C-level steps per row (``itemgetter``, ``zip``)
and only the fields with a converter are visited one by one.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from collections.abc import Callable
from operator import attrgetter, itemgetter

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework import fields, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from sfiec.keyed_queries import RowsByKeys

_MISSING = (AttributeError, KeyError, ObjectDoesNotExist)
_NESTED, _DRF = object(), object()
_PLANS: dict[tuple, RowPlan] = {}
# DRF field classes whose to_representation returns a value of these model columns unchanged.
_UNCHANGED = {
    fields.CharField: (models.CharField, models.TextField),
    fields.ChoiceField: (models.CharField, models.TextField),
    fields.IntegerField: (models.IntegerField, models.AutoField),
    fields.BigIntegerField: (models.IntegerField, models.AutoField),
    fields.BooleanField: (models.BooleanField,),
}
# Model fields whose .values() are a str, an int or a bool (or None), exactly these classes.
_PLAIN_COLUMNS = {
    models.CharField,
    models.TextField,
    models.SlugField,
    models.EmailField,
    models.URLField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.BooleanField,
}


class ReadOnlyListSerializer(serializers.ListSerializer):
    """Renders a list of its child serializer's rows (instances or dicts) with a RowPlan.

    ``renders_plain`` tells the renderer (sfiec.api.renderers) that the list it rendered holds
    only str, int, bool and None values (``RowPlan.plain``); a view must not change the rows.
    """

    renders_plain = False

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        from_values = bool(rows) and isinstance(rows[0], dict)
        plan = plan_for(self.child, from_values=from_values)
        self.renders_plain = from_values and plan.plain
        return plan.render(rows)


def values_columns(serializer_class) -> list[str]:
    """What a view passes to ``.values()`` for a list of ``serializer_class`` to render from."""
    return plan_for(serializer_class(), from_values=True).read_columns


def plan_for(serializer, *, from_values: bool) -> RowPlan:
    """The serializer's plan, kept per class, mode and time zone when it needs no request."""
    key = (type(serializer), from_values, timezone.get_current_timezone())
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = RowPlan(type(serializer)(), from_values=from_values)
    return plan if plan.context_free else RowPlan(serializer, from_values=from_values)


class RowPlan:
    """How one serializer's readable fields are read from model instances, or from the rows of
    ``.values()`` when ``from_values`` (then every field names a column)."""

    def __init__(self, serializer: serializers.Serializer, *, from_values: bool = False):
        self.model = getattr(getattr(serializer, "Meta", None), "model", None)
        self.from_values = from_values
        self.columns: set[str] = set()
        self.nested: list[_Nested] = []
        # (name, getter, converter, field); the getter is the rows' key when from_values; the
        # converter is _NESTED for a nested list, _DRF for DRF's own way, None for a value
        # rendered as it is.
        self.steps: list[tuple[str, Callable | None, Callable | object | None, fields.Field]] = []
        # Every value rendered from .values() rows is a str, an int, a bool or None.
        self.plain_values = from_values
        for field in serializer._readable_fields:
            if isinstance(field, serializers.ListSerializer):
                self.nested.append(_Nested(field, self))
                get, convert = None, _NESTED
            elif from_values:
                column, convert, plain = self._column(field)
                self.columns.add(column)
                self.plain_values = self.plain_values and plain
                get = column  # the key of the .values() rows
            else:
                get, convert = _getter(field, self.model)
            self.steps.append((field.field_name, get, convert, field))
        if self.nested and from_values:
            self.columns.add("pk")
        # Columns one relation away (lot__reference) are read by one more query by primary
        # key, not joined: read_columns holds the foreign key instead (lot).
        self.further: dict[str, set[str]] = defaultdict(set)
        for column in self.columns:
            relation, _sep, rest = column.partition("__")
            if rest:
                self.further[relation].add(rest)
        self.read_columns = sorted({column.partition("__")[0] for column in self.columns})

    @cached_property
    def plain(self) -> bool:
        """Rendered from .values() rows, every value is a str, an int, a bool or None, and so in
        its nested lists: JSON that any encoder writes alike (no float, date or Decimal)."""
        return self.plain_values and all(nested.plan.plain for nested in self.nested)

    @cached_property
    def context_free(self) -> bool:
        """No field goes DRF's own way (which may read the request), nested lists included."""
        return all(convert is not _DRF for _n, _g, convert, _f in self.steps) and all(
            nested.plan.context_free for nested in self.nested
        )

    def render(self, rows: list) -> list[dict]:
        """Rows are model instances, or the dicts of ``.values(*read_columns)``."""
        if self.from_values:
            return self.render_columns([self._as_columns(row) for row in rows])
        children = {nested.name: nested.children_of(rows) for nested in self.nested}
        return [self._row_from_instance(row, children) for row in rows]

    def render_columns(self, rows: list[tuple]) -> list[dict]:
        """Rows are tuples that begin with the values of ``read_columns``, in that order."""
        further = [
            (position, reader.values_by_pk(rows, position)) for position, reader in self._further
        ]
        children = [(nested.name, nested.children_of(rows)) for nested in self.nested]
        width, pick, names, converted = (
            len(self.read_columns),
            self._pick,
            self._names,
            self._converted,
        )
        items = []
        for row in rows:
            if further:
                row = row[:width]
                for position, by_pk in further:
                    row += by_pk[row[position]]
            item = dict(zip(names, pick(row), strict=True))
            for name, convert in converted:
                value = item[name]
                if value is not None:
                    item[name] = convert(value)
            for name, rows_of in children:
                item[name] = rows_of(row)
            items.append(item)
        return items

    @cached_property
    def _as_columns(self) -> Callable[[dict], tuple]:
        """A .values() dict as a tuple of read_columns."""
        return _tuple_getter(self.read_columns)

    @cached_property
    def _further(self) -> list[tuple[int, _RelatedByPk]]:
        """Per relation one relation away: its position in read_columns and its reader."""
        return [
            (self.read_columns.index(relation), _RelatedByPk(self.model, relation, sorted(rests)))
            for relation, rests in sorted(self.further.items())
        ]

    @cached_property
    def _positions(self) -> dict[str, int]:
        """Each column's place in a row of read_columns extended by the further values."""
        positions = {column: n for n, column in enumerate(self.read_columns)}
        for _position, reader in self._further:
            for rest in reader.rests:
                positions[f"{reader.relation}__{rest}"] = len(positions)
        return positions

    @cached_property
    def _pick(self) -> Callable[[tuple], tuple]:
        """A row's values in field order (a nested field's is a stand-in, replaced)."""
        return _tuple_getter(
            [
                0 if convert is _NESTED else self._positions[get]
                for _n, get, convert, _f in self.steps
            ]
        )

    @cached_property
    def _names(self) -> list[str]:
        return [name for name, _get, _convert, _field in self.steps]

    @cached_property
    def _converted(self) -> list[tuple[str, Callable]]:
        return [
            (name, convert)
            for name, _get, convert, _field in self.steps
            if convert is not None and convert is not _NESTED
        ]

    def _row_from_instance(self, row, children: dict) -> dict:
        item = {}
        for name, get, convert, field in self.steps:
            if convert is _NESTED:
                item[name] = children[name](row)
                continue
            if convert is _DRF:
                _drf_field(item, field, row)
                continue
            try:
                value = get(row)
            except _MISSING:
                _drf_field(item, field, row)
                continue
            if value is None:
                item[name] = None
            elif callable(value):  # source="get_x": DRF calls it
                _drf_field(item, field, row)
            else:
                item[name] = value if convert is None else convert(value)
        return item

    def _column(self, field) -> tuple[str, Callable | None, bool]:
        """The ``.values()`` lookup of a field, its converter, and whether its value is plain
        (a str, an int, a bool or None)."""
        attrs, convert, known = field.source_attrs, None, True
        if isinstance(field, relations.SlugRelatedField):
            attrs = [*attrs, *field.slug_field.split("__")]
        elif isinstance(field, relations.PrimaryKeyRelatedField):
            known = field.pk_field is None
        elif isinstance(field, relations.RelatedField) or _overrides(field):
            known = False
        column = _column_field(self.model, attrs) if known and attrs else None
        if column is None:
            raise ImproperlyConfigured(
                f"{type(field.parent).__name__}.{field.field_name} is read from .values() in a "
                "list (sfiec.api.serializers) but names no column through non-null relations; "
                "prefetch the relation it is nested in, or give it a column."
            )
        if not isinstance(field, relations.RelatedField):
            unchanged = _UNCHANGED.get(type(field), ())
            if type(field) is fields.BigIntegerField and getattr(
                field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING
            ):
                unchanged = ()  # rendered as text
            convert = None if isinstance(column, unchanged) else _converter(field)
        if convert is None:
            target = column.target_field if column.many_to_one else column
            plain = type(target) in _PLAIN_COLUMNS
        else:
            plain = getattr(convert, "returns_text", False)
        return "__".join(attrs), convert, plain


class _RelatedByPk:
    """The columns ``rests`` of the rows one relation away, read by primary key in one query."""

    def __init__(self, model, relation: str, rests: list[str]):
        self.relation, self.rests = relation, rests
        related = model._meta.get_field(relation).related_model
        self.query = RowsByKeys(
            related,
            lambda ids: (
                related._base_manager.filter(pk__in=ids).order_by().values_list("pk", *rests)
            ),
        )

    def values_by_pk(self, rows: list[tuple], position: int) -> dict:
        """The related row's values (a tuple of ``rests``) by the key at ``position``."""
        ids = list({row[position] for row in rows})
        return {values[0]: tuple(values[1:]) for values in self.query.rows(ids)} if ids else {}


class _Nested:
    """A nested ``many=True`` field: its rows per parent, prefetched or from one query."""

    def __init__(self, field: serializers.ListSerializer, parent: RowPlan):
        self.name = field.field_name
        self.field = field
        self.parent = parent
        self.relation = _reverse_foreign_key(parent.model, field.source_attrs)
        if parent.from_values and self.relation is None:
            raise ImproperlyConfigured(
                f"{type(field.parent).__name__}.{self.name} is nested in a list read from "
                ".values() (sfiec.api.serializers) but is no reverse foreign key."
            )
        self.source = attrgetter(".".join(field.source_attrs))

    @cached_property
    def plan(self) -> RowPlan:
        """Children read from .values() where their fields name columns, else as instances
        (the view then prefetches them)."""
        if self.relation is not None:
            try:
                return RowPlan(self.field.child, from_values=True)
            except ImproperlyConfigured:
                if self.parent.from_values:
                    raise
        return self.instance_plan

    @cached_property
    def instance_plan(self) -> RowPlan:
        return RowPlan(self.field.child)

    @cached_property
    def query(self) -> RowsByKeys:
        """The children of a list of parents, as rows of read_columns and the parent's key, in
        the children's ordering."""
        foreign_key = self.relation.field
        columns = [*self.plan.read_columns, foreign_key.attname]
        return RowsByKeys(
            foreign_key.model,
            lambda keys: (
                foreign_key.model._default_manager.filter(**{f"{foreign_key.name}__in": keys})
                .order_by(*_ordering(foreign_key))
                .values_list(*columns)
            ),
        )

    def children_of(self, rows: list) -> Callable:
        """A function from a parent row to the rendered list of its children."""
        if not self.plan.from_values or (rows and self._prefetched(rows[0])):
            plan = self.instance_plan
            return lambda row: plan.render(list(self.source(row).all()))
        if self.parent.from_values:
            key_of = itemgetter(self.parent.read_columns.index("pk"))
        else:
            key_of = attrgetter("pk")
        keys = list(dict.fromkeys(key_of(row) for row in rows))
        by_parent = defaultdict(list)
        for child in self.query.rows(keys) if keys else ():
            by_parent[child[-1]].append(child)
        children = self.plan.render_columns(
            [child for group in by_parent.values() for child in group]
        )
        rendered, start = {}, 0
        for key, group in by_parent.items():
            rendered[key], start = children[start : start + len(group)], start + len(group)
        return lambda row: rendered.get(key_of(row), [])

    def _prefetched(self, row) -> bool:
        cache = getattr(row, "_prefetched_objects_cache", {})
        return self.relation.get_accessor_name() in cache


def _tuple_getter(keys: list) -> Callable:
    """``itemgetter(*keys)`` that returns a tuple for a single key too."""
    if len(keys) == 1:
        (key,) = keys
        return lambda row: (row[key],)
    return itemgetter(*keys)


def _getter(field, model) -> tuple[Callable | None, Callable | object | None]:
    """A fast (getter, converter) for a field read from a model instance, or DRF's own way."""
    attrs = field.source_attrs
    if not attrs:  # source="*"
        return None, _DRF
    if isinstance(field, relations.PrimaryKeyRelatedField):
        # DRF reads the foreign key's column (serializable_value), not the related row.
        column = _column_field(model, attrs) if field.pk_field is None and len(attrs) == 1 else None
        if column is None or not column.many_to_one:
            return None, _DRF
        return attrgetter(column.attname), None
    if isinstance(field, relations.SlugRelatedField):
        return attrgetter(".".join(attrs)), attrgetter(field.slug_field.replace("__", "."))
    if isinstance(field, relations.RelatedField) or _overrides(field):
        return None, _DRF
    return attrgetter(".".join(attrs)), _converter(field)


def _converter(field) -> Callable:
    if type(field) is fields.DateTimeField:
        return _datetime_converter(field)
    if type(field) is fields.DecimalField:
        return _decimal_converter(field)
    if type(field) is fields.DateField:
        return _date_converter(field)
    return field.to_representation


def _returns_text(convert: Callable) -> Callable:
    """Marks a converter whose every result is a str or None (RowPlan.plain)."""
    convert.returns_text = True
    return convert


def _date_converter(field) -> Callable:
    output_format = getattr(field, "format", api_settings.DATE_FORMAT)
    if output_format is None or output_format.lower() != fields.ISO_8601:
        return field.to_representation
    # DRF's: a date's isoformat(), a str as it is, anything else refused.
    return _returns_text(
        lambda value: (
            value.isoformat() if type(value) is dt.date else field.to_representation(value)
        )
    )


def _decimal_converter(field) -> Callable:
    """DecimalField.to_representation, but a value that already has the field's places (as a
    numeric column's has) is written as it is: quantizing it to its own exponent is exact."""
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    places, digits = field.decimal_places, field.max_digits
    if not coerce or field.localize or field.normalize_output or places is None or not digits:
        return field.to_representation

    def convert(value):
        if type(value) is decimal.Decimal:
            _sign, figures, exponent = value.as_tuple()
            if exponent == -places and len(figures) <= digits:
                return f"{value:f}"
        return field.to_representation(value)

    return _returns_text(convert)


def _datetime_converter(field) -> Callable:
    """DateTimeField.to_representation with the time zone looked up once."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if output_format is None or output_format.lower() != fields.ISO_8601 or zone is None:
        return field.to_representation

    def convert(value):
        if type(value) is not dt.datetime or value.tzinfo is None:
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return _returns_text(convert)


def _drf_field(item: dict, field, row) -> None:
    """One field of one row exactly as Serializer.to_representation renders it."""
    try:
        attribute = field.get_attribute(row)
    except SkipField:
        return
    value = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    item[field.field_name] = None if value is None else field.to_representation(attribute)


def _overrides(field) -> bool:
    """Whether the field's class reads its value otherwise than DRF's base field does."""
    return type(field).get_attribute is not fields.Field.get_attribute


def _column_field(model, attrs: list[str]):
    """The model field ``attrs`` names through non-null forward relations, or None."""
    for position, attr in enumerate(attrs):
        try:
            field = model._meta.get_field(attr) if model is not None else None
        except FieldDoesNotExist:
            return None
        if field is None or not field.concrete:
            return None
        if position == len(attrs) - 1:
            return field
        if not field.many_to_one or field.null:
            return None
        model = field.related_model
    return None


def _reverse_foreign_key(model, attrs: list[str]):
    if model is None or len(attrs) != 1:
        return None
    try:
        relation = model._meta.get_field(attrs[0])
    except FieldDoesNotExist:
        return None
    return relation if isinstance(relation, models.ManyToOneRel) else None


def _ordering(foreign_key) -> list:
    """The related model's ordering; the parent's own key (one value per group) by column."""
    terms = []
    for term in foreign_key.model._meta.ordering or ["pk"]:
        if isinstance(term, str) and term.lstrip("-") == foreign_key.name:
            term = term.replace(foreign_key.name, foreign_key.attname)
        terms.append(term)
    return terms
