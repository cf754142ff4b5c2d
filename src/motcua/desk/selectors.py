"""Read paths of the desk's list pages: the search box and the filters.

Every criterion is a plain column comparison on dossiers_dossier served by an index:
the code (unique), ID number and phone (btree, migration dossiers 0012), the folded name
(trigram GIN on PostgreSQL), the agency/status/due composite indexes for the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import connections, router
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from motcua.catalog.models import Field
from motcua.core import text
from motcua.core.calendar import calendar
from motcua.core.prepared import Prepared
from motcua.desk.models import SavedFilter
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers.models import CLOSED, Dossier, DossierStep

# Only what the list shows (and Dossier.is_overdue reads): no address, e-mail, subject.
LIST_FIELDS = [
    "code",
    "status",
    "channel",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "submitted_at",
    "intake_due_at",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "procedure__code",
    "procedure__name",
    "current_agency__name",
    "current_assignee__first_name",
    "current_assignee__last_name",
    "current_assignee__username",
]
MAX_STEP_IDS = 5000
_CODE_RE = re.compile(r"[0-9A-Z.]+-\d{6}-\d{4}")
_DIGITS_RE = re.compile(r"\+?[\d .\-()]{6,}")


@dataclass(frozen=True)
class Criteria:
    """What the officer asked for (the filter form's cleaned data)."""

    q: str = ""
    procedure: str = ""  # procedure code
    field: int | None = None
    channel: str = ""
    status: str = ""
    step_kind: str = ""
    assignee: int | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    due_within: int | None = None  # working days from now
    overdue: bool = False
    mine: bool = False


def search_q(query: str) -> Q | None:
    """One box: a dossier code, an ID number, a phone number or a name (any case, with
    or without diacritics). None when nothing searchable was typed."""
    query = " ".join(query.split())
    if not query:
        return None
    upper = query.upper()
    if _CODE_RE.fullmatch(upper):
        return Q(code=upper)
    if _DIGITS_RE.fullmatch(query):
        try:
            digits = text.phone(query)
        except text.NotNormalisable:
            digits = ""
        if digits:
            digits = digits.lstrip("+")
            local = "0" + digits[2:] if digits.startswith("84") and len(digits) > 9 else digits
            return (
                Q(applicant_id_number=digits)
                | Q(applicant_phone__in={digits, local, "+" + digits})
                | Q(code=upper)
            )
    folded = text.fold(query)
    return Q(applicant_name_folded__contains=folded) if folded else None


def _step_dossiers(agency: int) -> QuerySet:
    return DossierStep.objects.filter(agency_id=agency).values_list("dossier_id", flat=True)


# Read on every queue page: compiled once (core.prepared).
_STEP_DOSSIERS = Prepared(
    "desk.step_dossiers",
    lambda agency: _step_dossiers(agency).distinct()[: MAX_STEP_IDS + 1],
    agency=int,
)


@dataclass(frozen=True)
class Visibility:
    """What the officer may see: `q` for any query; `agency` and `steps` (the ids of the
    dossiers with a step in the agency) when `q` is built from them, for the queue's
    prepared queries (None: not an officer, or a history too long for a list)."""

    q: Q
    agency: int | None = None
    steps: list[int] | None = None


def _officer_visible_q(agency: int, steps: list[int]) -> Q:
    q = Q(agency_id=agency) | Q(current_agency_id=agency)
    return q | Q(pk__in=steps) if steps else q


def visibility(user: User) -> Visibility:
    """policy.visible_q with the step agencies' dossiers as a list of ids, not a subquery:
    PostgreSQL then combines the three indexes (received by, held by, primary key) in a
    BitmapOr instead of filtering every open dossier of the province through a hashed
    subplan (1.3 s -> milliseconds on the 1 M set)."""
    officer = getattr(user, "officer", None)
    if officer is None:
        return Visibility(dossier_selectors.policy.visible_q(user))
    agency = officer.agency_id
    via_steps = _STEP_DOSSIERS.all(router.db_for_read(DossierStep), agency=agency)
    if len(via_steps) > MAX_STEP_IDS:  # a long history: the subquery after all
        q = Q(agency_id=agency) | Q(current_agency_id=agency)
        return Visibility(q | Q(pk__in=_step_dossiers(agency)))
    return Visibility(_officer_visible_q(agency, via_steps), agency, via_steps)


def visible_q(user: User) -> Q:
    return visibility(user).q


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def due_within_cutoff(days: int, now: dt.datetime | None = None) -> dt.datetime:
    """The moment N working days from now (the working calendar: weekends, holidays,
    working hours), the end of the "due soon" window."""
    return calendar().add_days(now or timezone.now(), days)


def desk_list(
    user: User | None,
    criteria: Criteria,
    now: dt.datetime | None = None,
    visible: Q | None = None,
) -> QuerySet[Dossier]:
    """The dossiers the officer may see that match `criteria`, soonest deadline first.
    Without a search text or a status, only open dossiers (the day's work); a search or
    a status reaches closed ones too (an officer finds a returned dossier by its code).
    `visible`: visible_q(user), when the caller already has it."""
    now = now or timezone.now()
    qs = (
        Dossier.objects.filter(visible if visible is not None else visible_q(user))
        .select_related(None)
        .select_related("procedure", "current_agency", "current_assignee")
    )
    found = search_q(criteria.q)
    if found is not None:
        qs = qs.filter(found)
    if criteria.status:
        qs = qs.filter(status=criteria.status)
    elif found is None:
        qs = qs.exclude(status__in=CLOSED)
    if criteria.procedure:
        qs = qs.filter(procedure__code=criteria.procedure)
    if criteria.field:
        qs = qs.filter(procedure__field_id=criteria.field)
    if criteria.channel:
        qs = qs.filter(channel=criteria.channel)
    if criteria.step_kind:
        open_step = DossierStep.objects.filter(
            dossier_id=OuterRef("pk"), finished_at=None, kind=criteria.step_kind
        )
        qs = qs.filter(Exists(open_step))
    if criteria.assignee:
        qs = qs.filter(current_assignee_id=criteria.assignee)
    if criteria.mine:
        qs = qs.filter(current_assignee=user)
    if criteria.received_from:
        qs = qs.filter(received_at__gte=_day_start(criteria.received_from))
    if criteria.received_to:
        qs = qs.filter(received_at__lt=_day_start(criteria.received_to + dt.timedelta(days=1)))
    if criteria.due_from:
        qs = qs.filter(due_at__gte=_day_start(criteria.due_from))
    if criteria.due_to:
        qs = qs.filter(due_at__lt=_day_start(criteria.due_to + dt.timedelta(days=1)))
    if criteria.due_within is not None:
        # Open and not yet late, due before the cut-off (the late ones have their own tab).
        cutoff = due_within_cutoff(criteria.due_within, now)
        qs = qs.exclude(status__in=CLOSED).filter(
            Q(due_at__gte=now, due_at__lte=cutoff)
            | Q(due_at=None, intake_due_at__gte=now, intake_due_at__lte=cutoff)
        )
    if criteria.overdue:
        qs = qs.filter(dossier_selectors.overdue_q(now))
    deadline = Coalesce("due_at", "intake_due_at")
    return qs.only(*LIST_FIELDS).order_by(deadline.asc(nulls_last=True), "submitted_at", "id")


@dataclass(slots=True)
class QueueRow:
    """One line of the queue as plain values: a page of model instances (the dossier, its
    procedure, holder and assignee: 200 objects) was a tenth of the page's CPU."""

    pk: int
    code: str
    status: str
    channel: str
    applicant_name: str
    intake_due_at: dt.datetime | None
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    procedure_code: str
    procedure_name: str
    holder_name: str | None
    assignee_id: int | None
    assignee_first_name: str | None
    assignee_last_name: str | None
    assignee_username: str | None

    @property
    def is_overdue(self) -> bool:
        return Dossier.is_overdue.fget(self)  # the one rule, read from these fields

    @property
    def assignee_name(self) -> str:
        """User.get_full_name(), or the username when it is empty."""
        full = f"{self.assignee_first_name or ''} {self.assignee_last_name or ''}".strip()
        return full or self.assignee_username or ""


QUEUE_ROW_VALUES = [
    "pk",
    "code",
    "status",
    "channel",
    "applicant_name",
    # (not submitted_at: the list is ordered by it but does not show it; parsing 50
    # timestamps was 2 % of the page)
    "intake_due_at",
    "received_at",
    "due_at",
    "finished_at",
    "procedure__code",
    "procedure__name",
    "current_agency__name",
    "current_assignee_id",
    "current_assignee__first_name",
    "current_assignee__last_name",
    "current_assignee__username",
]


def queue_row_values(qs: QuerySet[Dossier]) -> QuerySet:
    """desk_list's dossiers as the tuples of QueueRow (same filters, same order)."""
    return qs.values_list(*QUEUE_ROW_VALUES)


QUEUE_PAGE_SIZE = 50

# The tabs' counts and the unfiltered list's first page, read on nearly every queue view:
# compiled once per process (and length of the step list), not on each view, where
# compiling them was a third of the page's CPU (core.prepared; tests/core/test_prepared.py
# compares them with their querysets).
_QUEUE_COUNTS = Prepared(
    "desk.queue_counts",
    lambda agency, steps, user, now: dossier_selectors.queue_count_rows(
        user, now, _officer_visible_q(agency, steps)
    ),
    agency=int,
    steps=list,
    user=int,
    now=dt.datetime,
)
_QUEUE_FIRST_PAGE = Prepared(
    "desk.queue_first_page",
    lambda agency, steps: queue_row_values(
        desk_list(None, Criteria(), visible=_officer_visible_q(agency, steps))
    )[:QUEUE_PAGE_SIZE],
    agency=int,
    steps=list,
)


def queue_counts(user: User, statuses, now: dt.datetime, visible: Visibility) -> dict[str, int]:
    """dossiers.selectors.queue_counts for the queue's visibility."""
    if visible.steps is None:
        return dossier_selectors.queue_counts(user, statuses, now, visible.q)
    rows = _QUEUE_COUNTS.all(
        router.db_for_read(Dossier),
        agency=visible.agency,
        steps=visible.steps,
        user=user.pk,
        now=now,
    )
    return dossier_selectors.sum_queue_counts(rows, statuses)


def queue_first_page(visible: Visibility, size: int) -> list[tuple] | None:
    """The unfiltered list's first `size` rows, queue_row_values(desk_list(user,
    Criteria())) sliced, by the prepared statement; None when it does not apply (not an
    officer, a long step history, another page size)."""
    if visible.steps is None or size != QUEUE_PAGE_SIZE:
        return None
    return _QUEUE_FIRST_PAGE.all(
        router.db_for_read(Dossier), agency=visible.agency, steps=visible.steps
    )


# The queue's two lists for its filter form, by raw SQL: Django compiling their queries on
# every page view cost more than reading them (same rows, same order as the ORM's).
_ASSIGNEES_SQL = """
SELECT u.id, u.first_name, u.last_name, u.username
FROM auth_user u JOIN catalog_officer o ON o.user_id = u.id
WHERE o.agency_id = %s AND u.is_active
ORDER BY u.last_name, u.first_name, u.username
"""
_FIELDS_SQL = "SELECT id, name FROM catalog_field ORDER BY name"


def _rows(sql: str, params: list) -> list[tuple]:
    with connections[router.db_for_read(Field)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def assignees_of(user: User) -> list[tuple[int, str]]:
    """The officers of the user's agency, for the "assigned to" filter: (id, name) pairs,
    read as plain values (no model instances for a list of names)."""
    officer = getattr(user, "officer", None)
    if officer is None:
        return []
    rows = _rows(_ASSIGNEES_SQL, [officer.agency_id])
    # User.get_full_name(), or the username when it is empty.
    return [(pk, f"{first} {last}".strip() or username) for pk, first, last, username in rows]


def field_choices() -> list[tuple[int, str]]:
    """The fields of the catalogue by name, for the queue's filter (plain values: a
    ModelChoiceField would read them through a server-side cursor on every page view)."""
    return _rows(_FIELDS_SQL, [])


def officers_of_agency(agency_id: int | None) -> QuerySet[User]:
    """The assign form's officer list for one agency."""
    if not agency_id:
        return User.objects.none()
    return (
        User.objects.filter(officer__agency_id=agency_id, is_active=True)
        .select_related("officer")
        .order_by("officer__role", "last_name", "first_name")
    )


_SAVED_FILTERS = Prepared(
    "desk.saved_filters",
    lambda user: SavedFilter.objects.filter(user_id=user).only("pk", "name", "query"),
    user=int,
)


def saved_filters(user: User) -> list[SavedFilter]:
    return _SAVED_FILTERS.all(router.db_for_read(SavedFilter), user=user.pk)
