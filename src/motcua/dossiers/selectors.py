"""Read paths for pages and the API."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import connections, router
from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from motcua.catalog.models import AdministrativeUnit, Agency, Officer, Procedure
from motcua.core.prepared import Prepared
from motcua.dossiers import policy
from motcua.dossiers.models import (
    CLOSED,
    Attachment,
    Dossier,
    DossierAccess,
    DossierStep,
    Event,
    ProcessingLeg,
    Representation,
    Status,
)

# --- the return address's administrative units ------------------------------------------


def unit_by_code(code: str) -> AdministrativeUnit | None:
    return AdministrativeUnit.objects.filter(code=code).select_related("parent").first()


def provinces() -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(parent=None).order_by("sort_key", "code")


def communes_of(province: AdministrativeUnit | str | None) -> QuerySet[AdministrativeUnit]:
    if province is None:
        return AdministrativeUnit.objects.none()
    if isinstance(province, str):
        return AdministrativeUnit.objects.filter(parent__code=province).order_by("sort_key", "code")
    return AdministrativeUnit.objects.filter(parent=province).order_by("sort_key", "code")


def _base() -> QuerySet[Dossier]:
    return Dossier.objects.select_related("procedure", "agency", "current_agency")


def visible_dossiers(user: User | AnonymousUser | None) -> QuerySet[Dossier]:
    return _base().filter(policy.visible_q(user))


def _by_code(visible: Q, code: str) -> QuerySet[Dossier]:
    # The procedure's field too: the status message to the portal names it.
    return (
        _base()
        .filter(visible)
        .select_related("current_assignee", "procedure__field")
        .filter(code=code)
        .order_by()[:1]
    )


# Every action and detail request starts here: compiled once (core.prepared).
DOSSIER_OF_OFFICER = Prepared(
    "dossiers.dossier_of_officer",
    lambda code, agency: _by_code(policy.officer_visible_q(agency), code),
    code=str,
    agency=int,
)
DOSSIER_OF_APPLICANT = Prepared(
    "dossiers.dossier_of_applicant",
    lambda code, user: _by_code(policy.applicant_visible_q(user), code),
    code=str,
    user=int,
)


# The detail answer's lists, as the related managers read them (tested equal there).
_ATTACHMENTS = Prepared(
    "dossiers.attachments",
    lambda dossier: Attachment.objects.filter(dossier_id=dossier),
    dossier=int,
)
_LEGS = Prepared(
    "dossiers.legs",
    lambda dossier: (
        ProcessingLeg.objects.filter(dossier_id=dossier)
        .select_related("agency", "assignee")
        .order_by("seq")
    ),
    dossier=int,
)
_STEPS = Prepared(
    "dossiers.steps",
    lambda dossier: (
        DossierStep.objects.filter(dossier_id=dossier)
        .select_related("agency", "assignee")
        .order_by("id")
    ),
    dossier=int,
)


def _of(dossier: Dossier, prepared: Prepared, model: type) -> list:
    rows = prepared.all(dossier=dossier.pk)
    field = model._meta.get_field("dossier")
    for row in rows:  # as a related manager does: row.dossier is this dossier
        field.set_cached_value(row, dossier)
    return rows


def attachments_of(dossier: Dossier) -> list[Attachment]:
    """dossier.attachments.all() (a prefetched list if there is one)."""
    cache = getattr(dossier, "_prefetched_objects_cache", {})
    if "attachments" in cache:
        return list(cache["attachments"])
    return _of(dossier, _ATTACHMENTS, Attachment)


def legs_of(dossier: Dossier) -> list[ProcessingLeg]:
    """The dossier's processing legs in order, with their agency and assignee."""
    return _of(dossier, _LEGS, ProcessingLeg)


def steps_of(dossier: Dossier) -> list[DossierStep]:
    """The dossier's process steps in order, with their agency and assignee."""
    return _of(dossier, _STEPS, DossierStep)


def dossier_for(user: User | AnonymousUser | None, code: str) -> Dossier:
    """The dossier with this code if the user may see it (policy.visible_q); 404
    otherwise, so that codes of other people's dossiers cannot be probed."""
    officer = policy.officer_of(user)
    if officer is not None:
        dossier = DOSSIER_OF_OFFICER.first(code=code, agency=officer.agency_id)
    elif user is not None and user.is_authenticated:
        dossier = DOSSIER_OF_APPLICANT.first(code=code, user=user.pk)
    else:
        dossier = None
    if dossier is None:
        raise Http404("Không tìm thấy hồ sơ")
    return dossier


# What a public lookup shows (and Dossier.is_overdue reads); nothing personal.
PUBLIC_FIELDS = [
    "code",
    "status",
    "applicant_id",  # to recognise the owner, who is shown more
    "submitted_at",
    "intake_due_at",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "procedure__code",
    "procedure__name",
    "agency__identifier",
    "agency__name",
]


# The public lookup is the busiest request there is, and Django compiling its query was a
# third of its CPU (~1 ms of ~3): a raw query loads the same columns in half the time.
# Columns not read here stay deferred (reading one queries it, as with .only()).
_PUBLIC_SQL = """
SELECT d.id, d.code, d.status, d.applicant_id, d.submitted_at, d.intake_due_at,
       d.received_at, d.due_at, d.finished_at, d.returned_at, d.procedure_id, d.agency_id,
       p.code AS public_procedure_code, p.name AS public_procedure_name,
       a.identifier AS public_agency_identifier, a.name AS public_agency_name
FROM dossiers_dossier d
JOIN catalog_procedure p ON p.id = d.procedure_id
JOIN catalog_agency a ON a.id = d.agency_id
WHERE d.code = %s AND d.applicant_id_number = %s
LIMIT 1
"""


def _deferred(model, db: str, **values):
    """A model instance with only these fields loaded (the others deferred)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db, names, [values[name] for name in names])


_PUBLIC_COLUMNS = [
    "id",
    "code",
    "status",
    "applicant_id",
    "submitted_at",
    "intake_due_at",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "procedure_id",
    "agency_id",
]
_public_converters: dict[str, list] = {}  # per database alias: (index, converters, column)


def _converters(db: str) -> list:
    """What Django applies to these columns when it reads them (SQLite's text dates)."""
    if db not in _public_converters:
        connection = connections[db]
        found = []
        for i, name in enumerate(_PUBLIC_COLUMNS):
            column = Dossier._meta.get_field(name).get_col(Dossier._meta.db_table)
            # As the SQL compiler: the backend's converters, then the field's.
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if converters:
                found.append((i, converters, column))
        _public_converters[db] = found
    return _public_converters[db]


def public_status(code: str, id_number: str) -> Dossier | None:
    """Anonymous lookup: the code alone is not enough, the applicant's ID must match.
    The dossier with PUBLIC_FIELDS loaded (its procedure's and agency's too), or None.

    One cursor row made into the three instances: Django's RawQuerySet (column mapping,
    annotations, converters found again per call) was a fifth of a lookup's CPU."""
    db = router.db_for_read(Dossier)
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(_PUBLIC_SQL, [code.strip(), id_number.strip()])
        row = cursor.fetchone()
    if row is None:
        return None
    n = len(_PUBLIC_COLUMNS)
    values = list(row[:n])
    for i, converters, column in _converters(db):
        for converter in converters:
            values[i] = converter(values[i], column, connection)
    dossier = _deferred(Dossier, db, **dict(zip(_PUBLIC_COLUMNS, values, strict=True)))
    procedure_code, procedure_name, agency_identifier, agency_name = row[n:]
    dossier.procedure = _deferred(
        Procedure, db, id=dossier.procedure_id, code=procedure_code, name=procedure_name
    )
    dossier.agency = _deferred(
        Agency, db, id=dossier.agency_id, identifier=agency_identifier, name=agency_name
    )
    return dossier


def desk_queue(user: User, *, status: str | None = None) -> QuerySet[Dossier]:
    """Open dossiers the officer's agency received or holds, soonest deadline first: the
    appointment once received, the 8-working-hour intake deadline before that.

    Ordering by the expression also keeps PostgreSQL from walking the whole due_at index
    (closed dossiers included) and makes it sort the agency's few open ones instead
    (38 ms -> a few ms on a 1 M dossier set).
    """
    qs = visible_dossiers(user).exclude(status__in=CLOSED)
    if status:
        qs = qs.filter(status=status)
    deadline = Coalesce("due_at", "intake_due_at")
    return qs.order_by(deadline.asc(nulls_last=True), "submitted_at")


def queue_counts(user: User, statuses, now, visible: Q | None = None) -> dict[str, int]:
    """Counts for the queue's tabs in one pass over the open dossiers (one query, not
    one per tab): per status, overdue, and assigned to this officer. `visible`: the
    caller's equivalent of policy.visible_q, when it has a cheaper one (the desk's).

    Grouped by status with two filtered counts, rather than one filtered count per tab:
    the same single scan, a third of the SQL for Django to compile."""
    visible = visible if visible is not None else policy.visible_q(user)
    return sum_queue_counts(queue_count_rows(user.pk, now, visible), statuses)


def queue_count_rows(user_id: int, now, visible: Q) -> QuerySet:
    """queue_counts' query: (status, n, overdue, mine) per open status among `visible`."""
    return (
        Dossier.objects.filter(visible)
        .exclude(status__in=CLOSED)
        .order_by()
        .values_list("status")
        .annotate(
            n=Count("id"),
            overdue=Count("id", filter=overdue_q(now)),
            mine=Count("id", filter=Q(current_assignee_id=user_id)),
        )
    )


def sum_queue_counts(rows, statuses) -> dict[str, int]:
    """queue_counts from queue_count_rows' rows."""
    counts = dict.fromkeys(statuses, 0) | {"overdue": 0, "mine": 0}
    for status, n, overdue, mine in rows:
        if status in counts:
            counts[status] = n
        counts["overdue"] += overdue
        counts["mine"] += mine
    return counts


def overdue_q(now) -> Q:
    """Dossier.is_overdue in SQL: past the appointment, finished after it, or not received
    within the 8-working-hour intake deadline (the first thing a desk must not miss)."""
    late_open = Q(due_at__lt=now) & ~Q(status=Status.DONE)
    finished_late = Q(status=Status.DONE, finished_at__gt=F("due_at"))
    intake_late = Q(status=Status.SUBMITTED, intake_due_at__lt=now)
    return late_open | finished_late | intake_late


def events_of(dossier: Dossier) -> QuerySet[Event]:
    return dossier.events.select_related("agency").order_by("id")


def accesses_of(dossier: Dossier, limit: int = 30) -> list[dict]:
    """Who on the administration's side saw the dossier, for its applicant: one line per
    day, role, agency and what was seen (a queue viewed ten times a day is one line with
    a count), newest first. One query on the (dossier, at) index."""
    rows = (
        DossierAccess.objects.filter(dossier_id=dossier.pk)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("day", "role", "via", "agency__name")
        .annotate(times=Count("id"), last_at=Max("at"))
        .order_by("-last_at", "role", "via")[:limit]
    )
    return [
        {
            "at": row["last_at"],
            "times": row["times"],
            "role": DossierAccess.Role(row["role"]).label,
            "agency": row["agency__name"] or "",
            "via": DossierAccess.Via(row["via"]).label,
        }
        for row in rows
    ]


def representation_of(dossier: Dossier) -> Representation | None:
    """Who filed the dossier on the applicant's behalf, and the paper that allows it."""
    return Representation.objects.filter(dossier=dossier).select_related("authorisation").first()


def overdue_steps(user: User) -> QuerySet[DossierStep]:
    """ "Cần chú ý": open steps of the leader's agency past their due time, oldest first
    (the in-app notice of a late step; e-mail and SMS come with the notification work)."""
    officer = policy.officer_of(user)
    if officer is None or officer.role != Officer.Role.LEADER:
        return DossierStep.objects.none()
    return (
        DossierStep.objects.filter(
            agency_id=officer.agency_id, finished_at=None, due_at__lt=timezone.now()
        )
        .select_related("dossier", "assignee")
        .order_by("due_at")
    )
