"""Hot reads (and writes) whose SQL Django compiles once per process instead of on every request.

Django turns a queryset into SQL each time it is evaluated. For the reads every customer page
makes (the customer's links with their accounts, premises and suppliers; the latest bill's
sections) compiling costs more than running the query: 0.8 ms of the link query's 1.8 ms on the
bench machine, most of it per selected column. These classes keep the ORM definition as the one
source of truth, compile it the first time with placeholder values, and from then on only
substitute the real values, run the SQL and build the same rows or objects.

Placeholders are ids and dates. Each kind has a sentinel value that cannot occur in real data
and is adapted for the database the way Django adapts it, so it can be found among the compiled
parameters and replaced by the real value, adapted the same way.

``PreparedInsert`` and ``PreparedUpsert`` do the same for the writes of a readings submission:
their SQL is written once from the model's metadata, and each call prepares the values exactly
as ``Model.save`` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, models
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=models.Model)

# Far outside any id a sequence hands out or any date a bill carries; distinct per placeholder.
_SENTINEL_ID = -8_765_432_100
_SENTINEL_DATE = dt.date(1, 1, 1)


def _sentinel(kind: type, index: int) -> Any:
    if kind is int:
        return _SENTINEL_ID - index
    if kind is dt.date:
        return _SENTINEL_DATE + dt.timedelta(days=index)
    raise TypeError(f"placeholders are int or datetime.date, not {kind.__name__}")


def _adapt(kind: type, value: Any, connection: Any) -> Any:
    if kind is dt.date:
        if type(value) is not dt.date:
            raise TypeError(f"a date is expected, not {value!r}")
        return connection.ops.adapt_datefield_value(value)
    return int(value)


_CACHE_ATTRIBUTE = "_kabinet_prepared_queries"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: list[Any]
    slots: dict[str, tuple[type, list[int]]]  # placeholder -> its kind, positions in params
    compiler: SQLCompiler
    converters: dict[int, Any]


class _Prepared:
    """Compiles ``build(**placeholders)`` once per database connection (a gunicorn sync worker
    has one for its life) and runs it with real values."""

    def __init__(
        self, build: Callable[..., models.QuerySet[Any]], placeholders: Mapping[str, type]
    ) -> None:
        self._build = build
        self._placeholders = dict(placeholders)

    def _query(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        return queryset

    def _compile(self, alias: str) -> _Compiled:
        # Kept on the thread's connection object, not here: the compiled query holds that
        # connection (its converters are bound to it), and a cache shared between threads
        # would keep a finished thread's database connection open.
        connection = connections[alias]
        cache: dict[_Prepared, _Compiled] = connection.__dict__.setdefault(_CACHE_ATTRIBUTE, {})
        compiled = cache.get(self)
        if compiled is not None:
            return compiled
        sentinels = {
            name: _sentinel(kind, i) for i, (name, kind) in enumerate(self._placeholders.items())
        }
        compiler = self._query(self._build(**sentinels)).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = {}
        for name, sentinel in sentinels.items():
            kind = self._placeholders[name]
            adapted = _adapt(kind, sentinel, connection)
            positions = [i for i, value in enumerate(params) if value == adapted]
            if not positions:
                raise ValueError(f"placeholder {name} is not in the compiled query")
            slots[name] = (kind, positions)
        # The backend's converters (SQLite's dates, decimals, booleans) are found once too.
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        compiled = _Compiled(sql, list(params), slots, compiler, compiler.get_converters(fields))
        cache[self] = compiled
        return compiled

    def _rows(self, using: str, values: Mapping[str, Any]) -> Any:
        compiled = self._compile(using)
        connection = connections[using]
        params = list(compiled.params)
        for name, (kind, positions) in compiled.slots.items():
            value = _adapt(kind, values[name], connection)
            for position in positions:
                params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: Any = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return rows


class PreparedRows(_Prepared):
    """``build`` returns a ``values_list`` queryset; calling it gives the rows as tuples."""

    def __call__(self, *, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._rows(using, values)]


def _version(value: Any) -> int:
    try:
        return hash(value)
    except TypeError:  # a column type that is not hashable (JSON, arrays): its text is
        return hash(repr(value))


@dataclass(frozen=True)
class _Part:
    """One model of the row: where its columns are and where it hangs off its parent."""

    model: type[models.Model]
    attnames: list[str]
    start: int
    stop: int
    pk: int  # position of its primary key in the row; None there means no object
    parent: int | None  # index of the parent part, None for the queried model
    field: models.ForeignKey[Any, Any] | None  # the parent's field that holds it


class PreparedQuery(_Prepared, Generic[M]):
    """``build(**placeholders)`` returns the queryset (filters and ordering); ``related`` lists
    the forward foreign keys to load with it as ``select_related`` would ("account",
    "account__premises"; a parent before its children). Calling it gives the list the queryset
    with ``select_related(*related)`` would."""

    def __init__(
        self,
        build: Callable[..., models.QuerySet[M]],
        placeholders: Mapping[str, type],
        related: Sequence[str] = (),
    ) -> None:
        super().__init__(build, placeholders)
        self._related = tuple(related)
        self._parts: list[_Part] = []
        self._columns: list[str] = []

    def __call__(self, *, using: str = "default", **values: Any) -> list[M]:
        return [self._objects(using, row) for row in self._rows(using, values)]

    def versioned_each(self, *, using: str = "default", **values: Any) -> list[tuple[M, int]]:
        """Each object with the version of its row: a hash of every selected column, so it changes
        whenever any value the object was built from does. It keys cached markup built from the
        objects (within this process only: ``hash`` is salted per process)."""
        rows = [tuple(row) for row in self._rows(using, values)]
        return [(self._objects(using, row), _version(row)) for row in rows]

    def versioned(self, *, using: str = "default", **values: Any) -> tuple[list[M], int]:
        """The objects and one version for all of them (see ``versioned_each``)."""
        each = self.versioned_each(using=using, **values)
        return [obj for obj, _version in each], hash(tuple(version for _obj, version in each))

    def _query(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if not self._parts:
            self._layout(queryset.model)
        return queryset.values_list(*self._columns)

    def _layout(self, model: type[models.Model]) -> None:
        paths: dict[str, int] = {"": 0}
        parts: list[_Part] = []
        columns: list[str] = []

        def add(
            path: str,
            part_model: type[models.Model],
            parent: int | None,
            field: models.ForeignKey[Any, Any] | None,
        ) -> None:
            fields = part_model._meta.concrete_fields
            prefix = f"{path}__" if path else ""
            start = len(columns)
            # A foreign key selected by its name gives its id.
            columns.extend(f"{prefix}{f.name}" for f in fields)
            attnames = [f.attname for f in fields]
            pk = start + attnames.index(part_model._meta.pk.attname)
            parts.append(_Part(part_model, attnames, start, len(columns), pk, parent, field))

        add("", model, None, None)
        for path in self._related:
            parent_path, _sep, name = path.rpartition("__")
            if parent_path not in paths:
                raise ValueError(f"{path}: list {parent_path!r} before it")
            parent = parts[paths[parent_path]]
            field = parent.model._meta.get_field(name)
            if not isinstance(field, models.ForeignKey):
                raise ValueError(f"{path}: only forward foreign keys can be prepared")
            paths[path] = len(parts)
            add(path, field.related_model, paths[parent_path], field)
        self._parts, self._columns = parts, columns

    def _objects(self, alias: str, row: Sequence[Any]) -> M:
        built: list[models.Model | None] = []
        for part in self._parts:
            parent = built[part.parent] if part.parent is not None else None
            if part.parent is not None and (parent is None or row[part.pk] is None):
                built.append(None)  # a null foreign key (LEFT JOIN), or under one
                if parent is not None and part.field is not None:
                    part.field.set_cached_value(parent, None)
                continue
            instance = part.model.from_db(alias, part.attnames, row[part.start : part.stop])
            if parent is not None and part.field is not None:
                part.field.set_cached_value(parent, instance)
            built.append(instance)
        return built[0]  # type: ignore[return-value]


class _PreparedWrite:
    """SQL written once per database vendor from the model's metadata, for inserts on a hot
    path; each call only prepares the values as ``Model.save`` does for a new row (``pre_save``
    with ``add``, then ``get_db_prep_save``). No signals are sent, so it is for models without
    receivers."""

    def __init__(self, model: type[models.Model], fields: Sequence[str] | None = None) -> None:
        self._model = model
        names = fields or [f.name for f in model._meta.concrete_fields if not f.primary_key]
        self._fields: list[Any] = [model._meta.get_field(name) for name in names]
        for field in self._fields:
            if not getattr(field, "concrete", False) or field.primary_key:
                raise ValueError(f"{field.name}: only concrete, non-key fields can be written")
            if hasattr(field, "get_placeholder"):
                raise ValueError(
                    f"{field.name}: fields with their own placeholder are not supported"
                )

    def _values(self, instance: models.Model, connection: Any) -> list[Any]:
        params = []
        for field in self._fields:
            value = field.pre_save(instance, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{field.name}: expressions are not supported")
            params.append(field.get_db_prep_save(value, connection=connection))
        return params


class PreparedInsert(_PreparedWrite):
    """``INSERT`` of a new row with the database's own primary key, for rows whose id the caller
    does not need (audit entries): ``instance.pk`` stays None.

    ``expressions`` put SQL of the caller's in place of a field's placeholder: each ``%s`` in it
    is that field's prepared value."""

    def __init__(
        self,
        model: type[models.Model],
        fields: Sequence[str] | None = None,
        *,
        expressions: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(model, fields)
        self._expressions = dict(expressions or {})
        unknown = set(self._expressions) - {f.name for f in self._fields}
        if unknown:
            raise ValueError(f"{', '.join(sorted(unknown))}: not among the fields written")
        self._repeats = [self._expressions.get(f.name, "%s").count("%s") for f in self._fields]
        self._sql: dict[str, str] = {}

    def statement(self, instance: models.Model, connection: Any) -> tuple[str, list[Any]]:
        """The SQL and the parameters that insert ``instance`` on ``connection``."""
        if instance.pk is not None:
            raise ValueError("the instance already has a primary key")
        sql = self._sql.get(connection.vendor)
        if sql is None:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(f.column) for f in self._fields)
            marks = ", ".join(self._expressions.get(f.name, "%s") for f in self._fields)
            table = quote(self._model._meta.db_table)
            # Only the model's own table and column names, quoted, and the caller's expressions
            # go into the text; values are parameters.
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
            self._sql[connection.vendor] = sql
        values = self._values(instance, connection)
        if self._expressions:
            values = [v for v, n in zip(values, self._repeats, strict=True) for _ in range(n)]
        return sql, values

    def __call__(self, instance: models.Model, *, using: str = "default") -> None:
        connection = connections[using]
        sql, params = self.statement(instance, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


class PreparedUpsert(_PreparedWrite):
    """``INSERT`` of new rows that, where one collides with an existing row on the unique
    constraint ``constraint`` (its fields and its condition, if any, as the model declares
    them), updates ``update`` of that row instead; returns each row's ``(pk, *returning)``.

    The database settles the collision, so two of these at once for the same key leave one row
    without either taking a lock first. Each call writes one or more rows in one statement.
    """

    def __init__(
        self,
        model: type[models.Model],
        *,
        constraint: str,
        update: Sequence[str],
        returning: Sequence[str] = (),
    ) -> None:
        super().__init__(model)
        found = [c for c in model._meta.constraints if c.name == constraint]
        if not found or not isinstance(found[0], models.UniqueConstraint) or not found[0].fields:
            raise ValueError(f"{constraint}: not a unique constraint on fields of {model}")
        self._constraint = found[0]
        self._update: list[Any] = [model._meta.get_field(name) for name in update]
        self._returning: list[Any] = [model._meta.get_field(name) for name in returning]
        self._many: dict[tuple[str, int], str] = {}

    def _target(self, connection: Any) -> str:
        """The conflict target: the constraint's columns and, for a partial one, its condition
        with the values written in (PostgreSQL matches the index by the predicate's text, which
        a bound parameter would hide)."""
        meta: Any = self._model._meta
        quote = connection.ops.quote_name
        constraint = self._constraint
        fields: list[Any] = [meta.get_field(name) for name in constraint.fields]
        columns = ", ".join(quote(field.column) for field in fields)
        if constraint.condition is None:
            return f"({columns})"
        query = Query(model=self._model, alias_cols=False)
        where = query.build_where(constraint.condition)
        sql, params = where.as_sql(query.get_compiler(connection=connection), connection)
        schema_editor = connection.schema_editor()
        return f"({columns}) WHERE {sql % tuple(schema_editor.quote_value(p) for p in params)}"

    def sql_for(self, count: int, connection: Any) -> str:
        key = (connection.vendor, count)
        sql = self._many.get(key)
        if sql is None:
            quote = connection.ops.quote_name
            meta: Any = self._model._meta
            columns = ", ".join(quote(f.column) for f in self._fields)
            row = "(" + ", ".join(["%s"] * len(self._fields)) + ")"
            assignments = ", ".join(
                f"{quote(f.column)} = excluded.{quote(f.column)}" for f in self._update
            )
            returned = ", ".join(quote(f.column) for f in [meta.pk, *self._returning])
            # Only the model's own names and the constraint's own literals go into the text.
            sql = self._many[key] = (
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
                f"VALUES {', '.join([row] * count)} "
                f"ON CONFLICT {self._target(connection)} DO UPDATE SET {assignments} "
                f"RETURNING {returned}"
            )
        return sql

    def statement_many(
        self, instances: Sequence[models.Model], connection: Any
    ) -> tuple[str, list[Any]]:
        """The SQL and the parameters that write ``instances`` in one statement."""
        if not instances:
            raise ValueError("nothing to write")
        params = [p for instance in instances for p in self._values(instance, connection)]
        return self.sql_for(len(instances), connection), params

    def __call__(
        self, instances: Sequence[models.Model], *, using: str = "default"
    ) -> list[tuple[Any, ...]]:
        connection = connections[using]
        sql, params = self.statement_many(instances, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]
