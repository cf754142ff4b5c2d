"""Querysets compiled once per process: the ORM writes the SQL, each call only puts in its
values.

Django compiles a queryset anew every time it is evaluated (filters resolved, joins set up,
every column quoted, converters looked up): on an officer's action and an online submission
that was about 40 % of the request's CPU, for a dozen small lookups whose SQL never changes
but for a key. `Prepared` builds the queryset once with marker values, lets the ORM compile
it, notes where the markers went among the statement's parameters and how a row becomes
model instances (select_related included), and from then on executes that SQL with the
call's values. The SQL and the row-to-instance mapping are the ORM's own (one
representation); tests/core/test_prepared.py checks that each prepared query of the project
returns what its queryset returns.

Only for lookups whose SQL does not depend on the values: markers are plain ints,
strings or aware datetimes (no None, no pattern lookups), and lists of ints for `__in`.
A list's length is part of the SQL (one parameter per item): the statement is compiled per
length rounded up to a power of two, the list padded with its last item (`IN` ignores
the repeats), and once for the empty list, for which `build` may write other SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections, router, transaction
from django.db.models import Model, Q, QuerySet, signals
from django.db.models.fields import AutoFieldMixin
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)

# Values no real key takes: found again among the compiled statement's parameters. The
# int marker fits a 32-bit column (auth_user.id): the ORM turns an out-of-range value into
# "no rows" instead of a parameter.
_INT_MARK = -2_091_000_000
_STR_MARK = "\x1fprepared-marker-{}\x1f"
# The list argument i's item j is _LIST_MARK - i * _LIST_SPAN - j (still a 32-bit value).
_LIST_MARK = _INT_MARK - 1_000_000
_LIST_SPAN = 1_000_000
MAX_LIST = 1 << 16  # longer lists: the caller's own query
# The datetime argument i is this moment plus i microseconds (sent as the backend adapts
# it: the datetime itself on PostgreSQL, its UTC text on SQLite).
_DT_MARK = dt.datetime(1901, 2, 3, 4, 5, 6, 700_001, tzinfo=dt.UTC)
_KINDS = (int, str, dt.datetime, list)


@dataclass
class _Compiled:
    sql: str
    params: list[Any]
    # (argument name, item of a list argument or None, positions among the parameters)
    slots: list[tuple[str, int | None, list[int]]]
    for_update: bool
    col_count: int | None  # trim extra select columns, as the compiler does
    converters: list  # (position, (converters, expression)), as the compiler finds them
    # Model instances: the ModelIterable's recipe; None for values_list rows.
    model: type[Model] | None = None
    init_list: list[str] | None = None
    start: int = 0
    end: int = 0
    populators: list | None = None
    flat: bool = False
    empty: bool = False  # the ORM knows there are no rows without asking


class Prepared(Generic[M]):
    """`build(**markers)` returns the queryset; `kinds` names each argument's type (int,
    str, datetime.datetime: aware; list: a list of ints). Call `.all(**values)` for the list
    of rows, `.first(**values)` for one or None. `name` is how the equality test knows it
    (every instance is in `Prepared.registry`)."""

    registry: dict[str, Prepared] = {}

    def __init__(self, name: str, build: Callable[..., QuerySet[M]], **kinds: type) -> None:
        if any(kind not in _KINDS for kind in kinds.values()):
            raise TypeError("prepared queries take int, str, datetime or list arguments")
        if name in Prepared.registry:
            raise ValueError(f"a prepared query is already named {name!r}")
        self.name = name
        self._build = build
        self._kinds = kinds
        self._lists = [name for name, kind in kinds.items() if kind is list]
        # By alias, or by (alias, each list's padded length) for queries taking lists.
        self._compiled: dict[Any, _Compiled] = {}
        Prepared.registry[name] = self

    def __copy__(self) -> Prepared[M]:
        return self  # one compiled statement per process, even inside copied serializers

    def __deepcopy__(self, memo: dict) -> Prepared[M]:
        return self

    def queryset(self, **values: Any) -> QuerySet[M]:
        """The queryset itself (what the prepared statement is tested equal to)."""
        return self._build(**values)

    def _marks(self, lengths: dict[str, int]) -> dict[str, Any]:
        marks: dict[str, Any] = {}
        for i, (name, kind) in enumerate(self._kinds.items()):
            if kind is int:
                marks[name] = _INT_MARK - i
            elif kind is str:
                marks[name] = _STR_MARK.format(i)
            elif kind is dt.datetime:
                marks[name] = _DT_MARK + dt.timedelta(microseconds=i)
            else:
                first = _LIST_MARK - i * _LIST_SPAN
                marks[name] = [first - j for j in range(lengths[name])]
        return marks

    def _compile(self, alias: str, lengths: dict[str, int]) -> _Compiled:
        marks = self._marks(lengths)
        qs = self._build(**marks)
        if qs._prefetch_related_lookups or qs._known_related_objects:
            raise ValueError("prepared queries do not prefetch")
        connection = connections[alias]
        compiler = qs.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # e.g. pk__in=[]: the ORM returns no rows, asks nothing
            return _Compiled("", [], [], False, None, [], empty=True)
        params = list(params)
        slots = []
        for name, mark in marks.items():
            kind = self._kinds[name]
            if kind is list:
                items = list(enumerate(mark))
            else:
                items = [(None, _adapt(kind, mark, connection))]
            for j, item in items:
                positions = [i for i, p in enumerate(params) if type(p) is type(item) and p == item]
                if not positions:
                    raise ValueError(f"argument {name!r} is not a parameter of the statement")
                slots.append((name, j, positions))
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        compiled = _Compiled(
            sql=sql,
            params=params,
            slots=slots,
            for_update=qs.query.select_for_update,
            col_count=compiler.col_count if compiler.has_extra_select else None,
            converters=list(compiler.get_converters(fields).items()),
        )
        if qs._iterable_class is ModelIterable:
            info = compiler.klass_info
            if compiler.annotation_col_map:
                raise ValueError("prepared queries do not annotate")
            compiled.model = info["model"]
            compiled.start, compiled.end = info["select_fields"][0], info["select_fields"][-1] + 1
            compiled.init_list = [
                f[0].target.attname for f in compiler.select[compiled.start : compiled.end]
            ]
            compiled.populators = get_related_populators(info, compiler.select, alias)
        elif qs._iterable_class in (ValuesListIterable, FlatValuesListIterable):
            query = qs.query
            if query.extra_select:
                raise ValueError("prepared values_list queries take no extra()")
            # Annotated columns (counts, sums) as they come: ValuesListIterable reorders a
            # row only when the names asked differ from the order selected, refused here.
            selected = [*query.values_select, *query.annotation_select]
            asked = [*qs._fields, *(a for a in query.annotation_select if a not in qs._fields)]
            if qs._fields and asked != selected:
                raise ValueError("prepared values_list rows keep the order of their columns")
            compiled.flat = qs._iterable_class is FlatValuesListIterable
        else:
            raise ValueError("prepared queries return model instances or values_list rows")
        return compiled

    def all(self, using: str = "default", **values: Any) -> list:
        connection = connections[using]
        if self._lists:
            values = dict(values)
            lengths = {}
            for name in self._lists:
                items = [int(v) for v in values[name]]
                if len(items) > MAX_LIST:
                    raise ValueError(f"{name!r}: more than {MAX_LIST} items")
                size = 1 << (len(items) - 1).bit_length() if items else 0
                lengths[name] = size
                values[name] = items + items[-1:] * (size - len(items))
            key: Any = (using, *lengths.values())
        else:
            lengths, key = {}, using
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(using, lengths)
        if compiled.empty:
            return []
        params = list(compiled.params)
        kinds = self._kinds
        for name, j, positions in compiled.slots:
            # (a list's items were made ints above)
            value = _adapt(kinds[name], values[name], connection) if j is None else values[name][j]
            for i in positions:
                params[i] = value
        if compiled.for_update and not connection.in_atomic_block:
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                _load_timestamps_in_c(cursor, connection)
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.col_count is not None:
            rows = [row[: compiled.col_count] for row in rows]
        if compiled.converters:
            rows = _convert(rows, compiled.converters, connection)
        if compiled.model is None:
            if compiled.flat:
                return [row[0] for row in rows]
            return [tuple(row) for row in rows]
        out = []
        model, init_list = compiled.model, compiled.init_list
        start, end = compiled.start, compiled.end
        for row in rows:
            obj = model.from_db(using, init_list, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            out.append(obj)
        return out

    def first(self, using: str = "default", **values: Any) -> Any:
        rows = self.all(using, **values)
        return rows[0] if rows else None


def _c_timestamptz_loader() -> tuple[int, type] | None:
    try:
        import psycopg
        from psycopg.pq import Format
    except ImportError:
        return None
    oid = psycopg.adapters.types["timestamptz"].oid
    loader = psycopg.adapters.get_loader(oid, Format.TEXT)
    return (oid, loader) if loader.__module__.startswith(("psycopg_binary", "psycopg_c")) else None


_C_TIMESTAMPTZ = _c_timestamptz_loader()


def _load_timestamps_in_c(cursor, connection) -> None:
    """Read this cursor's timestamptz columns with psycopg's C loader, not with Django's
    (a Python subclass of psycopg's pure-Python loader: 2.4 µs a value, 165 values on a
    queue page), when both give the same datetimes: Django's is psycopg's with its tzinfo
    replaced by connection.timezone, and psycopg's own tzinfo is datetime.timezone.utc
    when the session's TimeZone is UTC, which Django sets when connection.timezone is
    datetime.timezone.utc (no TIME_ZONE of the database's own)."""
    if (
        _C_TIMESTAMPTZ is not None
        and connection.timezone is dt.UTC
        and hasattr(cursor.cursor, "adapters")  # psycopg 3, not psycopg2
        and connection.connection.info.parameter_status("TimeZone") == "UTC"
    ):
        cursor.cursor.adapters.register_loader(*_C_TIMESTAMPTZ)


def _adapt(kind: type, value: Any, connection) -> Any:
    """The parameter the ORM sends for this value (DateTimeField.get_db_prep_value for an
    aware datetime)."""
    if kind is dt.datetime:
        if not isinstance(value, dt.datetime) or value.utcoffset() is None:
            raise ValueError("prepared queries take aware datetimes")
        return connection.ops.adapt_datetimefield_value(value)
    return int(value) if kind is int else str(value)


def _convert(rows: list, converters: list, connection) -> list:
    # SQLCompiler.apply_converters with this thread's connection (the compiler's is the
    # connection of the thread that compiled the statement).
    out = []
    for row in rows:
        row = list(row)
        for pos, (convs, expression) in converters:
            value = row[pos]
            for converter in convs:
                value = converter(value, expression, connection)
            row[pos] = value
        out.append(row)
    return out


def first_row(qs: QuerySet[M]) -> QuerySet[M]:
    """The queryset .first() evaluates: its own ordering, else the primary key's; one row."""
    return (qs if qs.ordered else qs.order_by("pk"))[:1]


def set_prefetched(instance: Model, name: str, rows: list) -> None:
    """Put `rows` where prefetch_related("<name>") puts a reverse foreign key's rows, each
    pointing back at `instance`, so that instance.<name>.all() reads them (no query)."""
    manager = getattr(instance, name)
    field = manager.field
    for row in rows:
        field.set_cached_value(row, instance)
    qs = manager.get_queryset()
    qs._result_cache = rows
    qs._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = qs


# --- inserts ----------------------------------------------------------------------------

# (model, vendor) -> (INSERT statement, fields in parameter order, returning fields), or
# None for a model whose insert is left to the ORM.
_INSERTS: dict[tuple[type[Model], str], tuple[str, list, list] | None] = {}


def _plain_save(model: type[Model]) -> bool:
    """Whether a new row's save() is Model.save: the model has none of its own, or says
    (derived_columns) what its own save() does to a new row before Model.save writes it."""
    return model.save is Model.save or hasattr(model, "derived_columns")


def _insert_statement(obj: Model, connection) -> tuple[str, list, list] | None:
    """The ORM's INSERT of one new row of this model (what obj.save() compiles), kept when
    each field takes exactly one parameter."""
    meta = obj._meta
    if (
        meta.parents
        or meta.proxy
        or not _plain_save(type(obj))
        or not connection.features.can_return_columns_from_insert
    ):
        return None
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    returning = list(meta.db_returning_fields)
    if any(not isinstance(f, AutoFieldMixin) for f in returning):
        return None
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = returning
    [(sql, params)] = compiler.as_sql()
    if len(params) != len(fields) or getattr(compiler, "returning_params", ()):
        return None
    return sql, fields, returning


def insert(obj: Model, using: str = "default") -> Model:
    """obj.save(force_insert=True) for a new row, without compiling the INSERT each time:
    the ORM's statement for the model, compiled once, with this row's values as the ORM
    prepares them (pre_save, get_db_prep_save). Models with save() of their own (unless
    they name what it does to a new row: derived_columns()), signal receivers, parents or
    expressions among the values go through save() itself."""
    model = type(obj)
    if (
        obj.pk is not None
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
    ):
        obj.save(force_insert=True, using=using)
        return obj
    if model.save is not Model.save:
        if not hasattr(model, "derived_columns"):
            obj.save(force_insert=True, using=using)
            return obj
        obj.derived_columns()
    connection = connections[using]
    key = (model, connection.vendor)
    if key not in _INSERTS:
        _INSERTS[key] = _insert_statement(obj, connection)
    statement = _INSERTS[key]
    if statement is None:
        obj.save(force_insert=True, using=using)
        return obj
    sql, fields, returning = statement
    obj._prepare_related_fields_for_save(operation_name="save")
    params = []
    for field in fields:
        value = field.pre_save(obj, add=True)
        if hasattr(value, "resolve_expression"):  # e.g. a database default
            obj.save(force_insert=True, using=using)
            return obj
        params.append(field.get_db_prep_save(value, connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = connection.ops.fetch_returned_insert_columns(cursor, ())
    for value, field in zip(row, returning, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = using
    return obj


# --- updates ----------------------------------------------------------------------------

# (model, vendor, columns, which values are NULL) -> the ORM's UPDATE of those columns of
# one row by primary key (a NULL is written in the SQL, not sent), or None when a column
# takes something other than one plain parameter.
_UPDATES: dict[tuple, str | None] = {}


def _update_statement(obj: Model, fields: list, values: list, sent: int, connection) -> str | None:
    """What obj.save(update_fields=...) compiles (QuerySet._update of the row by pk),
    kept when each value not NULL is one parameter and the key is the last one."""
    query = UpdateQuery(type(obj))
    query.add_q(Q(pk=obj.pk))
    query.add_update_fields([(f, None, v) for f, v in zip(fields, values, strict=True)])
    sql, params = query.get_compiler(connection=connection).as_sql()
    if len(params) != sent + 1 or any(hasattr(f, "get_placeholder") for f in fields):
        return None
    return sql


def update(obj: Model, names: list[str], using: str | None = None) -> bool:
    """obj.save(update_fields=names) of a stored row, without compiling the UPDATE each
    time: the ORM's statement for these columns, compiled once, with the values the ORM
    prepares (pre_save, get_db_prep_save). False, having written nothing, when it must
    go through save() (signal receivers, parents, expressions among the values, no
    names); the caller then calls save()."""
    model = type(obj)
    meta = obj._meta
    if (
        not names
        or obj.pk is None
        or meta.parents
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
    ):
        return False
    wanted = set(names)
    # In the model's column order, as save() writes them.
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.primary_key and (f.name in wanted or f.attname in wanted)
    ]
    if len(fields) != len(wanted):
        return False  # a name that is not a column: save() raises its own error
    using = using or obj._state.db or router.db_for_write(model, instance=obj)
    connection = connections[using]
    obj._prepare_related_fields_for_save(operation_name="save")
    values = [f.pre_save(obj, False) for f in fields]
    if any(hasattr(v, "resolve_expression") or hasattr(v, "as_sql") for v in values):
        return False
    prepped = [
        f.get_db_prep_save(v, connection=connection) for f, v in zip(fields, values, strict=True)
    ]
    if any(hasattr(p, "as_sql") or hasattr(p, "resolve_expression") for p in prepped):
        return False
    params = [p for p in prepped if p is not None]
    key = (
        model,
        connection.vendor,
        tuple(f.attname for f in fields),
        *(p is None for p in prepped),
    )
    if key not in _UPDATES:
        _UPDATES[key] = _update_statement(obj, fields, values, len(params), connection)
    sql = _UPDATES[key]
    if sql is None:
        return False
    params.append(meta.pk.get_db_prep_value(obj.pk, connection))
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.adding = False
    obj._state.db = using
    return True
