"""core.prepared: a query compiled once returns what its queryset returns, for every
prepared query of the project, on either database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from rest_framework.authtoken.models import Token

from motcua.accounts import middleware as accounts_middleware  # noqa: F401 - its queries
from motcua.catalog import hours
from motcua.catalog import selectors as catalog_selectors
from motcua.catalog.models import ServiceCentre, WorkingHours
from motcua.core import sessions  # noqa: F401 - its query
from motcua.core.collation import sort_key
from motcua.core.prepared import Prepared, insert
from motcua.core.queries import one_or_none
from motcua.desk import selectors as desk_selectors  # noqa: F401 - its queries
from motcua.dossiers import selectors, services
from motcua.dossiers.models import Attachment, Dossier
from motcua.serviceindex import selectors as index_selectors  # noqa: F401 - its queries
from motcua.serviceindex.models import DataFeed, Indicator
from tests import factories
from tests.process_helpers import build_process

pytestmark = pytest.mark.django_db


def _state(obj, seen: frozenset = frozenset()):
    """Everything a model instance carries: its columns, how it was loaded, and the related
    rows select_related put on it (recursively; a back reference by its key only)."""
    if not isinstance(obj, Model):
        return obj
    if id(obj) in seen:
        return ("back to", type(obj), obj.pk)
    seen = seen | {id(obj)}
    return (
        type(obj),
        {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields},
        obj._state.adding,
        obj._state.db,
        {name: _state(v, seen) for name, v in sorted(obj._state.fields_cache.items())},
        sorted(obj.get_deferred_fields()),
    )


checked: set[str] = set()


def _same(name: str, expect_rows: int | None = None, *, ordered: bool = True, **values) -> list:
    """`ordered=False`: a query without ORDER BY (e.g. GROUP BY), compared as a multiset."""
    prepared = Prepared.registry[name]
    rows = prepared.all(**values)
    orm = list(prepared.queryset(**values))
    if ordered:
        assert [_state(r) for r in rows] == [_state(r) for r in orm]
    else:
        assert sorted(_state(r) for r in rows) == sorted(_state(r) for r in orm)
    assert prepared.all(**values) is not rows  # a fresh list each call
    if expect_rows is not None:
        assert len(rows) == expect_rows
    checked.add(name)
    return rows


@pytest.fixture
def centre(world) -> ServiceCentre:
    obj = ServiceCentre.objects.create(
        name="Trung tâm Phục vụ hành chính công tỉnh", unit=factories.unit(), book_code="ttpv"
    )
    obj.agencies.add(world.dept)
    for weekday in range(5):
        WorkingHours.objects.create(
            centre=obj, weekday=weekday, morning_start=dt.time(7, 30), morning_end=dt.time(11)
        )
    return obj


def test_every_prepared_query_returns_what_its_queryset_returns(world, centre):
    build_process(world)
    waiting = world.submit_online()
    received = services.receive(world.submit_online(), world.desk)
    assert received.process_version_id is not None
    legacy = services.receive(
        world.submit_online(
            world.other_citizen, procedure=world.commune_proc, agency=world.commune
        ),
        world.commune_desk,
    )
    legacy = services.assign(legacy, world.commune_desk, to_agency=world.other_dept)

    for d in (waiting, received):
        _same("dossiers.dossier_of_officer", 1, code=d.code, agency=world.dept.pk)
        _same("dossiers.dossier_of_applicant", 1, code=d.code, user=world.citizen.pk)
        _same("dossiers.attachments", d.attachments.count(), dossier=d.pk)
    # Another agency's officer and another citizen see nothing (selectors.dossier_for: 404).
    _same("dossiers.dossier_of_officer", 0, code=waiting.code, agency=world.other_dept.pk)
    _same("dossiers.dossier_of_applicant", 0, code=waiting.code, user=world.other_citizen.pk)
    # Its opinion step has not opened yet: the other department does not see it; it sees
    # the dossier it holds.
    _same("dossiers.dossier_of_officer", 0, code=received.code, agency=world.other_dept.pk)
    _same("dossiers.dossier_of_officer", 1, code=legacy.code, agency=world.other_dept.pk)
    _same("dossiers.dossier_of_officer", 0, code="no-such-code", agency=world.dept.pk)
    _same("dossiers.steps", received.steps.count(), dossier=received.pk)
    _same("dossiers.steps", 0, dossier=waiting.pk)
    _same("dossiers.legs", 1, dossier=legacy.pk)
    _same("dossiers.legs", 0, dossier=received.pk)
    with transaction.atomic():
        _same("dossiers.locked_row", 1, pk=received.pk)
        _same("dossiers.locked_row", 0, pk=-1)

    _same("catalog.centre", 1, agency_id=world.dept.pk)
    _same("catalog.centre", 0, agency_id=world.commune.pk)
    _same("catalog.published_process", 1, procedure=world.proc.pk)
    _same("catalog.published_process", 0, procedure=world.commune_proc.pk)
    _same("catalog.working_hours", 5, centre=centre.pk)

    _same("dossiers.last_leg", 1, dossier=legacy.pk)
    _same("dossiers.last_leg", 0, dossier=received.pk)
    _same("dossiers.any_file", 1, dossier=received.pk)
    _same("dossiers.any_file", 0, dossier=-1)
    _same("serviceindex.file_of_kind", 1, dossier=received.pk, kind=Attachment.Kind.APPLICATION)
    _same("serviceindex.file_of_kind", 0, dossier=received.pk, kind=Attachment.Kind.RESULT)
    _same("dossiers.agency_by_identifier", 1, value=world.other_dept.identifier)
    _same("dossiers.agency_by_identifier", 0, value="000.00.99.H37")
    [officer] = _same("dossiers.officer_by_username", 1, value=world.specialist.username)
    assert officer._state.fields_cache["officer"].agency_id == world.dept.pk
    _same("dossiers.officer_by_username", 0, value=world.citizen.username)  # no officer
    token, _ = Token.objects.get_or_create(user=world.desk)
    [row] = _same("core.token", 1, key=token.key)
    assert row.user._state.fields_cache["officer"].role == "desk"
    citizen_token, _ = Token.objects.get_or_create(user=world.citizen)
    [row] = _same("core.token", 1, key=citizen_token.key)
    assert row.user._state.fields_cache["officer"] is None  # known: no officer, no query
    _same("core.token", 0, key="0" * 40)

    _same("accounts.identity_of", 1, user=world.citizen.pk)
    _same("accounts.identity_of", 0, user=world.desk.pk)
    _same("catalog.procedure_by_code", 1, code=world.proc.code)
    _same("catalog.procedure_by_code", 0, code="9.999999")
    _same("catalog.components", world.proc.components.count(), procedure=world.proc.pk)
    _same("catalog.current_version_id", 1, procedure=world.proc.pk)
    _same("catalog.current_version_id", 0, procedure=-1)

    # The request's session, user (with officer and agency) and second-factor device.
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_totp.models import TOTPDevice

    store = SessionStore()
    store["k"] = "v"
    store.create()
    _same("core.session", 1, key=store.session_key)
    _same("core.session", 0, key="no-such-session-key")
    [user] = _same("accounts.session_user", 1, pk=world.desk.pk)
    assert user._state.fields_cache["officer"].agency.name == world.dept.name
    [user] = _same("accounts.session_user", 1, pk=world.citizen.pk)
    assert user._state.fields_cache["officer"] is None  # known: no officer, no query
    _same("accounts.session_user", 0, pk=-1)
    device = TOTPDevice.objects.create(user=world.desk, name="phone", confirmed=True)
    _same("accounts.totp_device", 1, pk=device.pk)
    _same("accounts.totp_device", 0, pk=device.pk + 1)
    # The desk queue's visibility ids and saved filters.
    from motcua.desk.models import SavedFilter

    step_agency = received.steps.order_by("id").first().agency_id
    assert _same("desk.step_dossiers", None, agency=step_agency)
    _same("desk.step_dossiers", 0, agency=world.commune.pk)
    SavedFilter.objects.create(user=world.desk, name="Quá hạn", query="qua_han=1")
    SavedFilter.objects.create(user=world.desk, name="Đất đai", query="linh_vuc=1")
    _same("desk.saved_filters", 2, user=world.desk.pk)
    _same("desk.saved_filters", 0, user=world.specialist.pk)
    # The queue's tabs and unfiltered first page: no step dossiers, and lists of ids of
    # every padded length up to 8 (the list compiled per power of two); before and after
    # the deadlines (the overdue counts); the desk's own and another officer's counts.
    Dossier.objects.filter(pk=received.pk).update(current_assignee=world.specialist)
    ids = [waiting.pk, received.pk, legacy.pk, -1, -2, -3, -4, legacy.pk]
    soon, later = timezone.now(), timezone.now() + dt.timedelta(days=400)
    for agency in (world.dept.pk, world.other_dept.pk, world.commune.pk):
        for n in range(len(ids) + 1):
            _same("desk.queue_first_page", None, agency=agency, steps=ids[:n])
            for user, now in ((world.desk, soon), (world.specialist, later)):
                values = {"agency": agency, "steps": ids[:n], "user": user.pk, "now": now}
                _same("desk.queue_counts", None, ordered=False, **values)
    rows = _same("desk.queue_first_page", 2, agency=world.dept.pk, steps=[])
    assert {r[0] for r in rows} == {waiting.pk, received.pk}
    _same("desk.queue_first_page", 3, agency=world.dept.pk, steps=[legacy.pk])
    values = {"agency": world.dept.pk, "steps": [], "user": world.specialist.pk, "now": later}
    rows = _same("desk.queue_counts", 2, ordered=False, **values)
    assert sorted(rows) == [("received", 1, 1, 1), ("submitted", 1, 1, 0)]
    _same("serviceindex.indicators", Indicator.objects.filter(is_active=True).count())
    DataFeed.objects.create(key=DataFeed.Key.RATING)
    _same("serviceindex.feeds", DataFeed.objects.count())
    _same("serviceindex.catalog", 2)  # the department's procedures, the commune catalogue

    assert checked >= set(Prepared.registry), (
        f"prepared queries not compared here: {sorted(set(Prepared.registry) - checked)}"
    )


def test_the_readers_built_on_them_equal_the_related_managers(world, centre):
    build_process(world)
    dossier = services.receive(world.submit_online(), world.desk)
    dossier = Dossier.objects.get(pk=dossier.pk)

    def states(rows):
        out = []
        for r in rows:
            assert r.dossier is dossier  # as a related manager sets it: no query
            out.append(_state(r))
        return out

    assert states(selectors.attachments_of(dossier)) == states(dossier.attachments.all())
    assert states(selectors.steps_of(dossier)) == states(
        dossier.steps.select_related("agency", "assignee").order_by("id")
    )
    assert states(selectors.legs_of(dossier)) == []
    # A prefetched list is used as it is.
    prefetched = Dossier.objects.prefetch_related("attachments").get(pk=dossier.pk)
    count = dossier.attachments.count()
    with django_queries() as queries:
        assert len(selectors.attachments_of(prefetched)) == count
    assert queries == []
    assert catalog_selectors.centre_for(world.dept) == centre
    assert catalog_selectors.centre_for(world.dept.pk) == centre
    assert catalog_selectors.centre_for(None) is None
    assert hours.week_of(world.dept) == {d: [("07:30", "11:00")] for d in range(5)}


class django_queries:  # noqa: N801 - used like CaptureQueriesContext, returns the list
    """The statements run inside the block, in a list filled when the block ends."""

    def __enter__(self):
        from django.test.utils import CaptureQueriesContext

        self._ctx = CaptureQueriesContext(connection)
        self._ctx.__enter__()
        self._queries: list[dict] = []
        return self._queries

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        self._queries.extend(self._ctx.captured_queries)


def test_procedure_for_submission_is_the_prefetching_queryset(world):
    code = world.proc.code
    ours = catalog_selectors.procedure_for_submission(f" {code} ")
    orm = one_or_none(catalog_selectors._for_submission().filter(code=code))
    assert _state(ours) == _state(orm)
    with django_queries() as queries:
        components = list(ours.components.all())
        assert all(c.procedure is ours for c in components)
    assert queries == []
    assert [_state(c) for c in components] == [_state(c) for c in orm.components.all()]
    assert len(components) == 2
    assert catalog_selectors.procedure_for_submission("9.999999") is None


def test_values_are_parameters_never_sql(world):
    """A code with quotes and a marker-looking value are looked up, not spliced in."""
    hostile = "x' OR '1'='1"
    assert _same("dossiers.dossier_of_officer", 0, code=hostile, agency=world.dept.pk) == []
    assert _same("dossiers.dossier_of_officer", 0, code="\x1fprepared-marker-0\x1f", agency=0) == []


def test_misuse_is_refused(world):
    unused = Prepared("test.unused", lambda code: Attachment.objects.all(), code=str)
    try:
        with pytest.raises(ValueError, match="not a parameter"):
            # The argument never reaches the statement: the SQL would ignore it.
            unused.all(code="a")
    finally:
        del Prepared.registry["test.unused"]
    with pytest.raises(TypeError):
        Prepared("test.dates", lambda at: Attachment.objects.filter(uploaded_at=at), at=dt.date)
    with pytest.raises(ValueError, match="already named"):
        Prepared("dossiers.locked_row", lambda pk: Dossier.objects.filter(pk=pk), pk=int)
    assert "test.dates" not in Prepared.registry


def _row(model, pk) -> dict:
    values = model.objects.filter(pk=pk).values().get()
    values.pop("id")
    return values


def test_insert_writes_the_row_the_orm_writes(world):
    from motcua.core.models import OutboxMessage
    from motcua.dossiers.models import Event, IdempotencyRecord, ProcessingLeg, RegisterEntry

    dossier = services.receive(world.submit_online(), world.desk)
    at = dossier.received_at
    unreceived = {1: world.submit_online(), 2: world.submit_online()}
    payload = {"ghi chú": "Hồ sơ “đặc biệt”", "n": [1, 2.5, None], "at": at.isoformat()}
    rows = [
        lambda n: Event(
            dossier=dossier,
            action="receive",
            from_status="submitted",
            to_status="received",
            national_status=2,
            actor=world.desk,
            actor_name="Cán bộ",
            agency_id=world.dept.pk,
            note=f"ghi chú {n}",
            data=payload,
            province_code="37",
            at=at,
        ),
        lambda n: OutboxMessage(
            topic="t",
            key=f"k{n}",
            payload=payload,
            ordering_key="",
            created_at=at,
            next_attempt_at=at,
        ),
        lambda n: RegisterEntry(  # one per dossier
            dossier=unreceived[n],
            centre=None,
            agency_id=world.dept.pk,
            book="B-2026",
            number=n,
            received_at=at,
        ),
        lambda n: ProcessingLeg(
            dossier=dossier,
            seq=10 + n,
            agency=world.dept,
            assignee=None,
            budget_minutes=60,
            started_at=at,
            due_at=at,
            note="",
        ),
        lambda n: IdempotencyRecord(owner="o", key=f"k{n}", fingerprint="f", dossier=dossier),
    ]
    for make in rows:
        ours = insert(make(1))
        theirs = make(2)
        theirs.save(force_insert=True)
        assert ours.pk is not None and not ours._state.adding and ours._state.db == "default"
        mine, orm = _row(type(ours), ours.pk), _row(type(theirs), theirs.pk)
        # The keys made to differ, and a stamp taken at insert time (auto_now_add).
        for differs in ("note", "key", "number", "seq", "dossier_id", "created_at"):
            mine.pop(differs, None), orm.pop(differs, None)
        assert mine == orm

    # A dossier (a save() of its own, which names what it does: derived_columns) is
    # written by the prepared statement as save() writes it, folded name included.
    def new_dossier(n):
        return Dossier(
            code=f"X-{n}",
            procedure=world.proc,
            agency=world.dept,
            current_agency=world.dept,
            channel="online",
            applicant=world.citizen,
            applicant_name="Lê Văn Bé",
            applicant_id_number="001090000001",
            applicant_address="Số 1, “Phố” Hoa Lư",
            subject="Đề nghị\ncấp phép",
            submitted_at=at,
            intake_due_at=at + dt.timedelta(hours=8),
            province_code="37",
            return_channel="online",
        )

    with django_queries() as statements:
        ours = insert(new_dossier(1))
    theirs = new_dossier(2)
    theirs.save(force_insert=True)
    assert [q["sql"].split(" (")[0] for q in statements] == ['INSERT INTO "dossiers_dossier"']
    mine, orm = _row(Dossier, ours.pk), _row(Dossier, theirs.pk)
    assert mine.pop("code") == "X-1" and orm.pop("code") == "X-2"
    assert mine == orm and mine["applicant_name_folded"] == "le van be"
    assert not ours._state.adding and ours.applicant_name_folded == "le van be"

    # A model with a save() of its own that does not name it goes through it (save()
    # computes the Vietnamese sort key).
    from motcua.catalog.models import Field

    field = insert(Field(code="LV-X", name="Đất đai"))
    assert Field.objects.get(pk=field.pk).sort_key == sort_key("Đất đai") != ""


def test_update_is_the_orms_update(world, django_assert_num_queries):
    """prepared.update(obj, names) sends the statement and values save(update_fields=names)
    sends, and leaves the row as save() leaves it; a dossier saved under lock goes through
    it, and what it cannot do (no names, unknown names, a missing row) is save()'s."""
    from django.test.utils import CaptureQueriesContext

    from motcua.core.prepared import update

    first, second = world.submit_online(), world.submit_online()
    now = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    changes = [
        {"status": "received", "received_at": now, "due_at": now + dt.timedelta(days=3)},
        {"current_agency": world.other_dept, "current_assignee": world.specialist},
        {"current_assignee": None, "intake_supplement_count": 3},
        {"applicant_name": "Trần “Thị” Bé", "subject": "Đơn\nhai dòng", "paused_at": None},
        {"return_channel": "post", "return_address": "Số 1, đường 'A'"},
    ]
    for change in changes:
        sent = []
        for dossier, via_orm in ((first, True), (second, False)):
            for name, value in change.items():
                setattr(dossier, name, value)
            names = [Dossier._meta.get_field(n).attname for n in change]
            with CaptureQueriesContext(connection) as ctx:
                if via_orm:
                    Model.save(dossier, update_fields=names)
                else:
                    assert update(dossier, names)
            [query] = ctx.captured_queries
            statement, where = query["sql"].rsplit(" WHERE ", 1)
            assert where.endswith(f" = {dossier.pk}")
            sent.append((statement, where.rsplit(" = ", 1)[0]))
        assert sent[0] == sent[1]
        mine, orm = _row(Dossier, second.pk), _row(Dossier, first.pk)
        for differs in ("code", "applicant_id_number", "submitted_at", "intake_due_at"):
            mine.pop(differs), orm.pop(differs)
        assert mine == orm
    # Nothing to write, a name that is not a column: left to save().
    assert not update(first, [])
    assert not update(first, ["nonexistent"])
    # A row that is gone: save()'s error.
    from django.db import DatabaseError

    ghost = Dossier.objects.get(pk=second.pk)
    ghost.pk = 10**9
    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        update(ghost, ["subject"])


def test_lists_and_datetimes_are_parameters(world):
    """A list of ints compiled per length rounded up to a power of two (padded with its
    last item), the empty list once (an `__in` of nothing: no rows, no query, as the ORM);
    an aware datetime sent as the ORM sends it; a naive one refused."""
    dossiers = [world.submit_online() for _ in range(5)]
    pks = [d.pk for d in dossiers]
    cut = dossiers[2].submitted_at
    prepared = Prepared(
        "test.lists",
        lambda ids, at, code: (
            Dossier.objects.filter(pk__in=ids, submitted_at__lte=at)
            .exclude(code=code)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        ids=list,
        at=dt.datetime,
        code=str,
    )
    try:
        for n in range(len(pks) + 1):
            for at in (cut, cut - dt.timedelta(microseconds=1), cut.astimezone(dt.UTC)):
                rows = _same("test.lists", None, ids=pks[:n], at=at, code=dossiers[0].code)
                assert rows == [d.pk for d in dossiers[1:n] if d.submitted_at <= at]
        # Repeats and unknown ids as the ORM takes them.
        _same("test.lists", 2, ids=[pks[1], pks[1], -5, pks[2], pks[2]], at=cut, code="x")
        # Lengths 0, 1, 2, 4, 8 compiled once each (per database alias).
        assert sorted(k[1] for k in prepared._compiled) == [0, 1, 2, 4, 8]
        with django_queries() as queries:
            assert prepared.all(ids=[], at=cut, code="x") == []
        assert queries == []
        with pytest.raises(ValueError, match="aware"):
            prepared.all(ids=pks, at=cut.replace(tzinfo=None), code="x")
        with pytest.raises(ValueError, match="aware"):
            prepared.all(ids=pks, at=cut.date(), code="x")
    finally:
        del Prepared.registry["test.lists"]


def test_timestamps_are_the_orms_datetimes(world):
    """On PostgreSQL the prepared rows' timestamptz columns are read by psycopg's C loader
    (core.prepared._load_timestamps_in_c): the same datetimes as Django's loader, with the
    same tzinfo, from the first to the last microsecond Django can store."""
    dossier = world.submit_online()
    utc = dt.UTC
    values = [
        dt.datetime(1, 1, 1, tzinfo=utc),
        dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=utc),
        dt.datetime(2026, 3, 29, 1, 30, 0, 1, tzinfo=utc),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=utc),
    ]
    prepared = Prepared(
        "test.stamps",
        lambda pk: Dossier.objects.filter(pk=pk).values_list(
            "submitted_at", "received_at", "finished_at", "intake_due_at"
        ),
        pk=int,
    )
    try:
        for value in values:
            Dossier.objects.filter(pk=dossier.pk).update(finished_at=value, received_at=None)
            [row] = prepared.all(pk=dossier.pk)
            [orm] = prepared.queryset(pk=dossier.pk)
            assert row == orm and row[2] == value and row[1] is None
            for ours, theirs in zip(row, orm, strict=True):
                assert type(ours) is type(theirs)
                assert getattr(ours, "tzinfo", None) is getattr(theirs, "tzinfo", None)
    finally:
        del Prepared.registry["test.stamps"]
    if connection.vendor == "postgresql":
        from motcua.core import prepared as module

        # The binary psycopg and a UTC session: the C loader was the one used above.
        assert module._C_TIMESTAMPTZ is not None and connection.timezone is dt.UTC
        assert connection.connection.info.parameter_status("TimeZone") == "UTC"
