"""Every change to a dossier. One transaction each: the change, its event, its audit
entry and its outbox message (status sync to DVCQG)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.module_loading import import_string
from django_fsm import TransitionNotAllowed

from motcua.accounts import selectors as account_selectors
from motcua.accounts.models import CitizenIdentity
from motcua.catalog import services as catalog_versions
from motcua.catalog.hours import calendar_for, calendar_of_centre
from motcua.catalog.models import (
    AdministrativeUnit,
    Agency,
    Officer,
    Procedure,
    ProcessStep,
    ServiceCentre,
)
from motcua.catalog.selectors import centre_for, current_process
from motcua.catalog.services import stages as process_stages
from motcua.core import audit, outbox, text
from motcua.core.calendar import WorkingCalendar, days_to_minutes
from motcua.core.codes import dossier_code, next_in_day, result_code
from motcua.core.prepared import Prepared, insert, set_prefetched
from motcua.core.problems import IllegalTransition, InvalidInput, NotAllowed
from motcua.core.queries import one_or_none
from motcua.core.storage import StoredFile, check_upload, store
from motcua.dossiers import notices, policy, selectors, stats, sync
from motcua.dossiers.models import (
    APOLOGY_STATES,
    CLOSED,
    NATIONAL_STATUS,
    Attachment,
    Channel,
    Dossier,
    DossierAccess,
    DossierStep,
    Event,
    IdempotencyRecord,
    ProcessingLeg,
    RegisterEntry,
    Representation,
    ReturnMethod,
    Status,
)

Actor = User | AnonymousUser | None
ONLINE_INTAKE_HOURS = 8  # NĐ 45/2020: receive or ask for supplements within 8 working hours
SUPPLEMENT_WINDOW_DAYS = 3  # supplement after appraisal: within 3 working days of receipt

ACTION_LABELS = {
    "receive": "tiếp nhận",
    "refuse": "từ chối tiếp nhận",
    "request_supplement": "yêu cầu bổ sung",
    "complete_supplement": "nhận hồ sơ bổ sung",
    "assign": "chuyển xử lý",
    "request_payment": "yêu cầu thực hiện nghĩa vụ tài chính",
    "confirm_payment": "xác nhận hoàn thành nghĩa vụ tài chính",
    "approve": "phê duyệt",
    "finish": "hoàn thành xử lý",
    "return_result": "trả kết quả",
    "withdraw": "rút hồ sơ",
    "stop": "dừng xử lý",
    "apologise": "xin lỗi và hẹn lại ngày trả",
    "change_return_channel": "thay đổi hình thức nhận kết quả",
}


@dataclass
class ApplicantData:
    name: str
    id_number: str
    phone: str = ""
    email: str = ""
    address: str = ""

    def validate(self) -> None:
        errors = []
        if not self.name.strip():
            errors.append("Họ tên người nộp không được để trống.")
        # ASCII digits only (the forms and serializers normalise to them): a regex \d
        # would also take full-width digits, which no lookup would ever find.
        if not text.is_id_number(self.id_number.strip()):
            errors.append(text.ID_NUMBER_SHAPE_MESSAGE)
        if errors:
            raise InvalidInput(" ".join(errors), code="invalid_applicant")


@dataclass
class RepresentationData:
    """Filing on someone else's behalf: the applicant data then name the represented
    person; `authorisation` is the paper giving the right to (giấy ủy quyền...)."""

    relationship: str
    authorisation: File | None = None


@dataclass
class _Binding:
    """What the citizen's bound identity makes of a submission (see _bind_applicant)."""

    identity: CitizenIdentity | None = None
    declare: bool = False  # a local account's first submission declares its identity
    relationship: str = ""
    mandate: Upload | None = None


@dataclass
class ReturnChoice:
    """How the applicant wants the result (NĐ 118/2025; recorded on form 01): at the desk,
    online (to their account), or by post to an address (street + commune). No channel:
    the submission's own (online -> online, desk or post -> desk)."""

    channel: str = ""
    address: str = ""
    unit: AdministrativeUnit | None = None
    # The province the applicant picked the commune in, when the client sends it.
    province: AdministrativeUnit | None = None

    def validated(self) -> ReturnChoice:
        if self.channel not in ReturnMethod.values:
            raise InvalidInput(
                "Hình thức nhận kết quả không hợp lệ.", code="invalid_return_channel"
            )
        if self.channel != ReturnMethod.POST:
            # An address only makes sense for a postal return: not kept otherwise.
            return ReturnChoice(self.channel)
        address = text.clean_text(self.address or "")
        if not address:
            raise InvalidInput(
                "Nhận kết quả qua bưu chính cần địa chỉ nhận (số nhà, đường, thôn, xóm).",
                code="return_address_required",
            )
        if self.unit is None:
            raise InvalidInput(
                "Nhận kết quả qua bưu chính cần chọn xã, phường nơi nhận.",
                code="return_unit_required",
            )
        if self.unit.parent_id is None:
            raise InvalidInput(
                "Địa chỉ nhận cần một xã, phường, đặc khu, không phải một tỉnh, thành phố.",
                code="return_unit_not_commune",
            )
        if self.province is not None and self.unit.parent_id != self.province.pk:
            raise InvalidInput(
                f"{self.unit.name} không thuộc {self.province.name}.",
                code="return_unit_outside_province",
            )
        return ReturnChoice(self.channel, address, self.unit)

    def as_data(self) -> dict[str, str]:
        return {
            "return_channel": self.channel,
            "return_address": self.address,
            "return_unit": self.unit.code if self.unit else "",
        }


class Recipient:
    APPLICANT = "applicant"
    AUTHORISED = "authorised"
    CHOICES = [(APPLICANT, "Người nộp hồ sơ"), (AUTHORISED, "Người được ủy quyền")]


@dataclass
class RecipientData:
    """Who collected a result at the desk: the applicant, or a person they authorised
    (name, ID number, and the authorisation: a power of attorney, its number and date)."""

    kind: str = Recipient.APPLICANT
    name: str = ""
    id_number: str = ""
    note: str = ""

    def record(self, dossier: Dossier) -> dict[str, str]:
        if self.kind == Recipient.APPLICANT:
            return {
                "kind": Recipient.APPLICANT,
                "name": dossier.applicant_name,
                "id_number": dossier.applicant_id_number,
                "note": text.clean_text(self.note or "", multiline=True),
            }
        if self.kind != Recipient.AUTHORISED:
            raise InvalidInput("Người nhận kết quả không hợp lệ.", code="invalid_recipient")
        errors = []
        name = text.clean_text(self.name or "")
        if not name:
            errors.append("Cần họ tên người được ủy quyền nhận kết quả.")
        try:
            id_number = text.id_number(self.id_number or "")
        except text.NotNormalisable as exc:
            errors.append(str(exc))
            id_number = ""
        else:
            if not text.is_id_number(id_number):
                errors.append(text.ID_NUMBER_SHAPE_MESSAGE)
        note = text.clean_text(self.note or "", multiline=True)
        if len(note) < 5:
            errors.append("Cần ghi giấy ủy quyền hoặc quan hệ với người nộp hồ sơ.")
        if errors:
            raise InvalidInput(" ".join(errors), code="invalid_recipient")
        return {"kind": Recipient.AUTHORISED, "name": name, "id_number": id_number, "note": note}


@dataclass
class MissingItem:
    """A paper the applicant must add, and why (form 02 lists each with its reason)."""

    item: str
    reason: str


SUPPLEMENT_STAGES = {"intake": "tiếp nhận", "appraisal": "thẩm định"}


@dataclass
class Upload:
    file: File
    component_id: int | None = None


@dataclass
class SubmitResult:
    dossier: Dossier
    created: bool
    events: list[Event] = field(default_factory=list)
    # A new dossier's attachments as created (empty for an Idempotency-Key repeat).
    attachments: list[Attachment] = field(default_factory=list)


# --- helpers --------------------------------------------------------------------------


def _actor_name(user: Actor) -> str:
    if user is None or not user.is_authenticated:
        return ""
    return user.get_full_name() or user.username


_LOCKED_RELATIONS = ("procedure", "agency", "current_agency", "current_assignee")


LOCKED_ROW = Prepared(
    "dossiers.locked_row",
    lambda pk: Dossier.objects.select_for_update(of=("self",)).filter(pk=pk).order_by(),
    pk=int,
)


LAST_LEG = Prepared(
    "dossiers.last_leg",
    lambda dossier: ProcessingLeg.objects.filter(dossier_id=dossier).order_by("-seq")[:1],
    dossier=int,
)


def _locked(dossier: Dossier) -> Dossier:
    """The dossier's row read again under FOR UPDATE, with its procedure, agency, holder
    and assignee: what the event, the outbox message and the API's answer read.

    The related rows are not locked (locking the joined procedure and agency rows would
    serialise every transition of an agency), so those the caller already read with the
    dossier are as good as a join made now; they are reused when the locked row still
    points at them, and only the dossier's own columns are read (a join of four tables
    was the most expensive query of an action to compile). Others load when read."""
    fresh = LOCKED_ROW.first(pk=dossier.pk)
    if fresh is None:
        raise Dossier.DoesNotExist(f"Dossier {dossier.pk} no longer exists.")
    for name in _LOCKED_RELATIONS:
        field = Dossier._meta.get_field(name)
        if not field.is_cached(dossier):
            continue
        related = field.get_cached_value(dossier)
        current = getattr(fresh, field.attname)
        if (related.pk if related is not None else None) == current:
            field.set_cached_value(fresh, related)
    fresh.lock_snapshot()  # its save() writes only what the transition changes
    # remember(): the state the transition starts from, for the counters that move with it.
    return stats.remember(fresh)


def _read_files(dossier: Dossier) -> None:
    """The files of a dossier whose transition adds none, read once under its lock: the
    digitised flags of the counters and of the status message, and the API's answer, use
    this list (as dossier.attachments.all(), prefetched) instead of a query each."""
    set_prefetched(dossier, "attachments", selectors.attachments_of(dossier))


def _apply(dossier: Dossier, action: str, *args: Any) -> str:
    before = dossier.status
    if action in policy.LEGACY_ACTIONS and dossier.process_version_id is not None:
        raise IllegalTransition(
            f"Hồ sơ {dossier.code} được giải quyết theo quy trình nội bộ: thực hiện lần lượt "
            "từng bước (thẩm định, dự thảo, trình ký, ký duyệt, ban hành).",
            from_status=before,
            action=action,
        )
    try:
        getattr(dossier, action)(*args)
    except TransitionNotAllowed:
        state = Status(before).label
        raise IllegalTransition(
            f"Không thể {ACTION_LABELS[action]} hồ sơ {dossier.code} "
            f"khi hồ sơ đang ở trạng thái “{state}”.",
            from_status=before,
            action=action,
        ) from None
    return before


def _record(
    dossier: Dossier,
    action: str,
    from_status: str,
    user: Actor,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    officer = policy.officer_of(user)
    event = insert(
        Event(
            dossier=dossier,
            action=action,
            from_status=from_status,
            to_status=dossier.status,
            national_status=NATIONAL_STATUS[dossier.status],
            actor=user if user is not None and user.is_authenticated else None,
            actor_name=_actor_name(user),
            agency_id=officer.agency_id if officer else None,  # the id only: no query
            note=note,
            data=data or {},
            province_code=dossier.province_code,
        )
    )
    # The step's unit is nearly always the dossier's agency or its holder, both already
    # read with the dossier: the status message names it without another query.
    for known in ("agency", "current_agency"):
        if event.agency_id is not None and Dossier._meta.get_field(known).is_cached(dossier):
            candidate = getattr(dossier, known)
            if candidate is not None and candidate.pk == event.agency_id:
                event.agency = candidate
                break
    stats.on_transition(dossier, action, from_status)
    audit.record(
        f"dossier.{action}",
        "dossier",
        dossier.code,
        actor=user if user is not None and user.is_authenticated else None,
        data={"from": from_status, "to": dossier.status, "note": note, **(data or {})},
    )
    outbox.enqueue(
        sync.TOPIC,
        key=f"dvcqg:{dossier.code}:{event.pk}",
        payload=sync.snapshot(dossier, event),  # what the portal needs, as of this step
        ordering_key=sync.ordering_key(dossier),
    )
    notices.enqueue(dossier, event)  # the applicant's notice, when this step is one to tell
    return event


def _store_all(
    uploads: Sequence[Upload], prefix: str, limit: int = 20
) -> list[tuple[Upload, StoredFile]]:
    """Check every file before writing any, then stream each to storage."""
    if len(uploads) > limit:
        raise InvalidInput(f"Mỗi lần nộp tối đa {limit} tệp.", code="too_many_files")
    for upload in uploads:
        check_upload(upload.file)
    stored: list[tuple[Upload, StoredFile]] = []
    try:
        for upload in uploads:
            stored.append((upload, store(upload.file, prefix)))
    except Exception:
        _discard(s for _, s in stored)
        raise
    return stored


def _discard(files: Iterable[StoredFile]) -> None:
    for f in files:
        default_storage.delete(f.path)


def _attach(
    dossier: Dossier, stored: Sequence[tuple[Upload, StoredFile]], kind: str
) -> list[Attachment]:
    return Attachment.objects.bulk_create(
        Attachment(
            dossier=dossier,
            component_id=upload.component_id,
            kind=kind,
            path=s.path,
            original_name=s.original_name,
            size=s.size,
            sha256=s.sha256,
            content_type=s.content_type,
        )
        for upload, s in stored
    )


def _check_components(uploads: Sequence[Upload], known: Iterable[int]) -> None:
    known = set(known)
    for upload in uploads:
        if upload.component_id is not None and upload.component_id not in known:
            raise InvalidInput(
                "Thành phần hồ sơ không thuộc thủ tục đã chọn.", code="unknown_component"
            )


def _required_reason(reason: str, what: str) -> str:
    # Counted without invisible characters: five zero-width spaces are no reason.
    reason = text.clean_text(reason or "", multiline=True)
    if len(reason) < 5:
        raise InvalidInput(f"Cần ghi rõ lý do {what}.", code="reason_required")
    return reason


# --- reads of personal data ----------------------------------------------------------


def record_reads(
    user: Actor,
    dossiers: Sequence[Dossier],
    *,
    via: str,
    fields: list[str],
    page: str = "",
    subject: tuple[str, str] | None = None,
) -> None:
    """The administration's side saw personal data of these dossiers: one audit entry
    (naming the person) and one DossierAccess row per dossier (role and agency, for the
    citizen), in one transaction. A list page passes `page` (its name) and every dossier
    it shows; `subject` overrides what a single read names (e.g. an attachment).

    A citizen reading their own dossier is not logged; the admin site always is.
    """
    officer = policy.officer_of(user)
    if via == DossierAccess.Via.ADMIN:
        role = DossierAccess.Role.ADMIN
    elif officer is not None:
        role = officer.role
    else:
        return
    if not dossiers:
        return
    agency_id = officer.agency_id if officer is not None else None
    ids = [d.pk for d in dossiers]
    if page:
        object_type, object_id = "dossier", f"list:{page}"[:64]
        data = {"ids": [d.code for d in dossiers]}
    else:
        object_type, object_id = subject or ("dossier", dossiers[0].code)
        data = {"via": via}
    # PostgreSQL: the audit entry and the access rows in one statement, atomic by itself
    # (one round trip instead of BEGIN, two statements and COMMIT per read).
    also = (_ACCESS_WITH_AUDIT_SQL, [ids, timezone.now(), role, agency_id, via])
    if audit.record_read_with(user, object_type, object_id, fields, also, data=data):
        return
    # No savepoint inside a caller's transaction (two round trips saved per page view).
    with transaction.atomic(savepoint=False):
        audit.record_read(user, object_type, object_id, fields, data=data)
        _insert_accesses(ids, timezone.now(), role, agency_id, via)


def _insert_accesses(ids: list[int], at: dt.datetime, role: str, agency_id, via: str) -> None:
    """One DossierAccess row per dossier. On PostgreSQL one INSERT ... SELECT unnest(ids):
    a queue page's fifty rows as fifty model instances through bulk_create cost more CPU
    than the rest of its read log."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        DossierAccess.objects.bulk_create(
            DossierAccess(dossier_id=pk, at=at, role=role, agency_id=agency_id, via=via)
            for pk in ids
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(_ACCESS_INSERT_SQL, [ids, at, role, agency_id, via])


_ACCESS_INSERT_SQL = (
    f"INSERT INTO {DossierAccess._meta.db_table} (dossier_id, at, role, agency_id, via) "
    "SELECT unnest(%s::bigint[]), %s, %s, %s, %s"
)
# The same rows written with the read's audit entry (audit.record_read_with): only when
# the audit head row is there, i.e. only when the entry is written too.
_ACCESS_WITH_AUDIT_SQL = f"{_ACCESS_INSERT_SQL} FROM head"


# --- submission -----------------------------------------------------------------------


def _fingerprint(
    procedure: Procedure,
    agency: Agency,
    applicant: ApplicantData,
    subject: str,
    uploads: Sequence[Upload],
    return_choice: ReturnChoice,
) -> str:
    body = json.dumps(
        [
            procedure.code,
            agency.identifier,
            applicant.__dict__,
            subject,
            [(u.component_id, u.file.name, u.file.size) for u in uploads],
            return_choice.as_data(),
        ],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _idempotent_hit(owner: str, key: str, fingerprint: str) -> Dossier | None:
    records = IdempotencyRecord.objects.filter(owner=owner, key=key).select_related("dossier")
    record = one_or_none(records)
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise InvalidInput(
            "Idempotency-Key này đã được dùng cho một yêu cầu khác.",
            code="idempotency_key_reused",
        )
    return record.dossier


def _check_online_return(channel: str, has_account: bool) -> None:
    # The electronic result is released to the applicant's account: none, no online return.
    if channel == ReturnMethod.ONLINE and not has_account:
        raise InvalidInput(
            "Hồ sơ không gắn với tài khoản dịch vụ công của người nộp: không nhận kết quả "
            "trực tuyến được; chọn nhận tại bộ phận một cửa hoặc qua bưu chính.",
            code="online_return_needs_account",
        )


def resolve_agency(procedure: Procedure, agency: Agency | None) -> Agency:
    """The agency whose code the dossier takes: the procedure's own agency, or, for a
    commune-level procedure, the commune the applicant chose."""
    if agency is None:
        if procedure.agency is None:
            raise InvalidInput(
                "Thủ tục cấp xã: cần chọn UBND cấp xã nơi nộp hồ sơ.", code="agency_required"
            )
        return procedure.agency
    if not agency.is_active:
        raise InvalidInput("Cơ quan đã chọn không còn hoạt động.", code="agency_inactive")
    if procedure.agency_id is not None and agency.pk != procedure.agency_id:
        raise InvalidInput(
            f"Thủ tục {procedure.code} do {procedure.agency.name} thực hiện, "
            f"không nộp tại {agency.name}.",
            code="agency_mismatch",
        )
    if procedure.agency_id is None and agency.level != Agency.Level.COMMUNE:
        raise InvalidInput("Thủ tục cấp xã: cần chọn một UBND cấp xã.", code="agency_not_commune")
    return agency


def _bind_applicant(
    actor: Actor, applicant: ApplicantData, representation: RepresentationData | None
) -> tuple[ApplicantData, _Binding | None]:
    """An online applicant is the citizen whose identity is bound to the account: their
    name and ID number come from it, whatever the client sent. Another person's ID number
    only with a declared representation and its authorisation attached."""
    if actor is None or not actor.is_authenticated or policy.officer_of(actor) is not None:
        return applicant, None  # submit() refuses these
    identity = account_selectors.identity_of(actor)
    given_id = applicant.id_number.strip()
    if representation is None:
        if identity is None:
            if not given_id:
                raise InvalidInput(
                    "Tài khoản chưa gắn số định danh cá nhân: nhập họ tên và số định danh của "
                    "chính bạn (khai báo một lần), hoặc đăng nhập bằng VNeID.",
                    code="identity_missing",
                )
            return applicant, _Binding(declare=True)
        if given_id and given_id != identity.id_number:
            raise InvalidInput(
                "Số định danh của người nộp phải là số định danh gắn với tài khoản của bạn. "
                "Nộp thay người khác: chọn tư cách đại diện và đính kèm giấy ủy quyền.",
                code="identity_mismatch",
            )
        locked = replace(applicant, name=identity.full_name, id_number=identity.id_number)
        return locked, _Binding(identity=identity)
    if identity is None:
        raise InvalidInput(
            "Để nộp thay người khác, tài khoản cần gắn số định danh của chính bạn: đăng nhập "
            "bằng VNeID hoặc khai báo tại trang Tài khoản.",
            code="identity_missing",
        )
    if representation.relationship not in Representation.Relationship.values:
        raise InvalidInput("Tư cách đại diện không hợp lệ.", code="invalid_representation")
    if given_id == identity.id_number:
        raise InvalidInput(
            "Số định danh người được đại diện trùng với của bạn: hồ sơ của chính mình thì "
            "không chọn nộp thay.",
            code="self_representation",
        )
    if representation.authorisation is None:
        raise InvalidInput(
            "Nộp thay người khác cần đính kèm giấy ủy quyền (hoặc giấy tờ chứng minh quyền "
            "đại diện theo pháp luật).",
            code="authorisation_missing",
        )
    return applicant, _Binding(
        identity=identity,
        relationship=representation.relationship,
        mandate=Upload(representation.authorisation),
    )


def _record_binding(
    result: SubmitResult,
    binding: _Binding,
    stored: Sequence[tuple[Upload, StoredFile]],
    actor: Actor,
) -> None:
    """In the submission's transaction: the declared identity, or the representation with
    its authorisation (stored with the other files, then given its own kind)."""
    dossier = result.dossier
    if binding.declare:
        # The user row locked: two first submissions at once declare only once.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if account_selectors.identity_of(actor) is None:
            CitizenIdentity.objects.create(
                user=actor,
                id_number=dossier.applicant_id_number,
                full_name=dossier.applicant_name,
                source=CitizenIdentity.Source.DECLARED,
            )
            audit.record("identity_declared", "auth.User", actor.pk, actor=actor)
    if binding.mandate is None:
        return
    mandate = next(
        a
        for (upload, _), a in zip(stored, result.attachments, strict=True)
        if upload is binding.mandate
    )
    mandate.kind = Attachment.Kind.MANDATE
    mandate.save(update_fields=["kind"])
    identity = binding.identity
    Representation.objects.create(
        dossier=dossier,
        relationship=binding.relationship,
        representative_name=identity.full_name,
        representative_id_number=identity.id_number,
        representative_verified=identity.verified,
        authorisation=mandate,
    )
    audit.record(
        "representation_declared",
        "dossiers.Dossier",
        dossier.code,
        actor=actor,
        data={"relationship": binding.relationship, "authorisation": mandate.sha256},
    )


def submit(
    *,
    procedure: Procedure,
    applicant: ApplicantData,
    actor: Actor,
    channel: str = Channel.ONLINE,
    agency: Agency | None = None,
    uploads: Sequence[Upload] = (),
    subject: str = "",
    idempotency_key: str | None = None,
    handed_over_at: dt.datetime | None = None,
    return_choice: ReturnChoice | None = None,
    representation: RepresentationData | None = None,
) -> SubmitResult:
    """A new dossier. Online: gets its code now and waits for the desk. At the desk (or by
    post): the desk officer submits and receives it in the same transaction."""
    if not procedure.is_active:
        raise InvalidInput("Thủ tục này không còn được áp dụng.", code="procedure_inactive")
    binding = None
    if channel == Channel.ONLINE:
        applicant, binding = _bind_applicant(actor, applicant, representation)
        if binding is not None and binding.mandate is not None:
            uploads = [*uploads, binding.mandate]
    applicant.validate()
    return_choice = return_choice or ReturnChoice()
    if not return_choice.channel:
        online = channel == Channel.ONLINE
        return_choice.channel = ReturnMethod.ONLINE if online else ReturnMethod.DESK
    return_choice = return_choice.validated()
    officer = policy.officer_of(actor)
    if channel == Channel.ONLINE:
        if actor is None or not actor.is_authenticated or officer is not None:
            raise NotAllowed("Nộp trực tuyến cần đăng nhập bằng tài khoản công dân.")
        agency = resolve_agency(procedure, agency)
        applicant_user = actor
    else:
        if officer is None or officer.role != Officer.Role.DESK:
            raise NotAllowed(
                "Chỉ cán bộ một cửa được tiếp nhận hồ sơ trực tiếp hoặc qua bưu chính."
            )
        # Boundary-free intake: any desk may receive any procedure of the province.
        agency = officer.agency
        applicant_user = None
    _check_online_return(return_choice.channel, applicant_user is not None)
    component_ids = {c.pk: c for c in procedure.components.all()}
    _check_components(uploads, component_ids)
    if channel == Channel.ONLINE:
        provided = {u.component_id for u in uploads}
        missing = [c.name for c in component_ids.values() if c.required and c.pk not in provided]
        if missing:
            raise InvalidInput(
                "Còn thiếu thành phần hồ sơ bắt buộc: " + "; ".join(missing) + ".",
                code="missing_components",
                missing=missing,
            )

    owner = str(actor.pk) if actor is not None and actor.is_authenticated else "anonymous"
    fingerprint = _fingerprint(procedure, agency, applicant, subject, uploads, return_choice)
    # The key is not looked up first: retries are rare, and the unique (owner, key)
    # constraint turns one into an IntegrityError below, answered with the first dossier
    # (the whole transaction, code number included, is rolled back).
    stored = _store_all(uploads, prefix=f"dossiers/{agency.identifier}")
    try:
        with transaction.atomic():
            result = _create(
                procedure=procedure,
                agency=agency,
                channel=channel,
                applicant=applicant,
                applicant_user=applicant_user,
                actor=actor,
                stored=stored,
                subject=subject,
                submitted_at=handed_over_at or timezone.now(),
                return_choice=return_choice,
                idempotency=(owner, idempotency_key, fingerprint) if idempotency_key else None,
            )
            if binding is not None:
                _record_binding(result, binding, stored, actor)
    except IntegrityError:
        _discard(s for _, s in stored)
        if idempotency_key:
            # A retry, or a concurrent request with the same key that committed first.
            existing = _idempotent_hit(owner, idempotency_key, fingerprint)
            if existing is not None:
                return SubmitResult(existing, created=False)
        raise
    except Exception:
        _discard(s for _, s in stored)
        raise
    return result


def _create(
    *,
    procedure: Procedure,
    agency: Agency,
    channel: str,
    applicant: ApplicantData,
    applicant_user: User | None,
    actor: Actor,
    stored: Sequence[tuple[Upload, StoredFile]],
    subject: str,
    submitted_at: dt.datetime,
    return_choice: ReturnChoice,
    idempotency: tuple[str, str, str] | None,
    national_id: str | None = None,
) -> SubmitResult:
    centre = centre_for(agency)
    cal = calendar_of_centre(centre)  # the hours of the centre receiving for this agency
    now = timezone.now()
    day = timezone.localdate(now)
    code = dossier_code(agency.identifier, day, next_in_day(agency.identifier, day))
    dossier = insert(
        Dossier(
            code=code,
            procedure=procedure,
            agency=agency,
            current_agency=agency,
            channel=channel,
            applicant=applicant_user,
            applicant_name=applicant.name.strip(),
            applicant_id_number=applicant.id_number.strip(),
            applicant_phone=applicant.phone.strip(),
            applicant_email=applicant.email.strip(),
            applicant_address=applicant.address.strip(),
            subject=subject.strip() or procedure.name,
            submitted_at=submitted_at,
            intake_due_at=cal.add_minutes(now, ONLINE_INTAKE_HOURS * 60)
            if channel == Channel.ONLINE
            else None,
            province_code=agency.province_code,
            return_channel=return_choice.channel,
            return_address=return_choice.address,
            return_unit=return_choice.unit,
            national_id=national_id,
            procedure_version_id=catalog_versions.current_version_id(procedure),
        )
    )
    if idempotency:
        owner, key, fingerprint = idempotency
        insert(IdempotencyRecord(owner=owner, key=key, fingerprint=fingerprint, dossier=dossier))
    attachments = _attach(dossier, stored, Attachment.Kind.APPLICATION)
    # A new dossier's files are these: its status message asks whether it has any.
    set_prefetched(dossier, "attachments", attachments)
    events = [
        _record(
            dossier,
            "submit",
            "",
            actor,
            data={
                "channel": channel,
                "files": [s.sha256 for _, s in stored],
                **return_choice.as_data(),
                **({"national_id": national_id} if national_id else {}),
            },
        )
    ]
    if channel != Channel.ONLINE:
        events.append(_receive(dossier, actor, cal, "", centre))
    return SubmitResult(dossier, created=True, events=events, attachments=attachments)


# How the portal's HinhThucNhanKetQua reads here. By post needs a commune the record does
# not give: such a dossier waits at the desk, which can change the channel with the citizen.
NATIONAL_RETURN = {1: ReturnMethod.DESK, 2: ReturnMethod.ONLINE, 3: ReturnMethod.DESK}


def submit_national(
    *,
    national_id: str,
    procedure: Procedure,
    agency: Agency | None,
    applicant: ApplicantData,
    uploads: Sequence[Upload] = (),
    subject: str = "",
    submitted_at: dt.datetime | None = None,
    return_method: int | None = None,
) -> SubmitResult:
    """A dossier filed on the National Public Service Portal (motcua.dvcqg.intake): online,
    waiting for the desk like any online dossier, with the portal's MaHoSo as national_id.
    The portal identified the citizen: the applicant is taken as sent, and the dossier is
    linked to the local account bound to that ID number through VNeID, if there is one.
    A second call with the same national_id returns the first dossier (created=False)."""
    national_id = national_id.strip()
    existing = Dossier.objects.filter(national_id=national_id).first()
    if existing is not None:
        return SubmitResult(existing, created=False)
    if not procedure.is_active:
        raise InvalidInput("Thủ tục này không còn được áp dụng.", code="procedure_inactive")
    agency = resolve_agency(procedure, agency)
    applicant.validate()
    identity = (
        CitizenIdentity.objects.select_related("user")
        .filter(id_number=applicant.id_number.strip(), source=CitizenIdentity.Source.VNEID)
        .first()
    )
    # An online result goes back through the portal (DongBoHoSoMC), account or not.
    choice = ReturnChoice(NATIONAL_RETURN.get(return_method or 2, ReturnMethod.DESK))
    stored = _store_all(uploads, prefix=f"dossiers/{agency.identifier}", limit=200)
    try:
        with transaction.atomic():
            return _create(
                procedure=procedure,
                agency=agency,
                channel=Channel.ONLINE,
                applicant=applicant,
                applicant_user=identity.user if identity else None,
                actor=None,
                stored=stored,
                subject=subject,
                submitted_at=submitted_at or timezone.now(),
                return_choice=choice.validated(),
                idempotency=None,
                national_id=national_id,
            )
    except IntegrityError:
        _discard(s for _, s in stored)
        # Delivered twice at once (pull and push): the other one committed first.
        existing = Dossier.objects.filter(national_id=national_id).first()
        if existing is not None:
            return SubmitResult(existing, created=False)
        raise
    except Exception:
        _discard(s for _, s in stored)
        raise


# --- intake ---------------------------------------------------------------------------


def _due(cal: WorkingCalendar, procedure: Procedure, start: dt.datetime) -> dt.datetime:
    """The appointment: the procedure's time limit (working days, working hours, or in the
    day) counted from the clock's start in the receiving centre's hours."""
    return cal.add_time_limit(
        start, procedure.time_limit_kind, procedure.processing_days, procedure.time_limit_hours
    )


def _receive(
    dossier: Dossier, actor: Actor, cal: WorkingCalendar, note: str, centre: ServiceCentre | None
) -> Event:
    """`cal` and `centre`: the working calendar and service centre of the dossier's
    agency (one centre_for, read by the caller for both)."""
    before = _apply(dossier, "receive")
    now = timezone.now()
    dossier.received_at = now
    dossier.clock_started_at = cal.clock_start(
        dossier.submitted_at if dossier.channel == Channel.POST else now,
        paper=dossier.channel != Channel.ONLINE,
    )
    dossier.due_at = _due(cal, dossier.procedure, dossier.clock_started_at)
    dossier.original_due_at = dossier.on_time_due_at = dossier.due_at
    dossier.save()
    _enter_register(dossier, now, centre)
    _start_process(dossier, cal)
    return _record(dossier, "receive", before, actor, note=note)


def _enter_register(
    dossier: Dossier, at: dt.datetime, centre: ServiceCentre | None
) -> RegisterEntry:
    """The dossier's line in the receiving unit's register (form 07): the service centre
    serving the agency (`centre`, centre_for), or the agency's own book; number gap-free
    per unit and year (a counter row of the caller's transaction, like the dossier code)."""
    year = timezone.localdate(at).year
    if centre is not None:
        scope, book = f"register:c{centre.pk}", f"{centre.book_code.upper()}-{year}"
    else:
        scope, book = f"register:a{dossier.agency_id}", f"{dossier.agency.identifier}-{year}"
    return insert(
        RegisterEntry(
            dossier=dossier,
            centre=centre,
            agency_id=dossier.agency_id,
            book=book,
            number=next_in_day(scope, dt.date(year, 1, 1)),
            received_at=at,
        )
    )


@transaction.atomic
def receive(dossier: Dossier, actor: Actor, note: str = "") -> Dossier:
    dossier = _locked(dossier)
    policy.require(actor, dossier, "receive")
    _read_files(dossier)
    centre = centre_for(dossier.agency_id)
    _receive(dossier, actor, calendar_of_centre(centre), note, centre)
    return dossier


@transaction.atomic
def refuse(dossier: Dossier, actor: Actor, reason: str) -> Dossier:
    dossier = _locked(dossier)
    policy.require(actor, dossier, "refuse")
    if dossier.received_at is not None:
        # NĐ 118/2025 (form 03 is a refusal to receive): once received, the dossier is
        # stopped (status 8, form 05) by the leader, never "not received" (3).
        raise IllegalTransition(
            f"Hồ sơ {dossier.code} đã được tiếp nhận nên không thể từ chối tiếp nhận. "
            "Nếu không đủ điều kiện giải quyết, lãnh đạo thực hiện “Dừng xử lý” "
            "(thông báo theo mẫu 05).",
            from_status=dossier.status,
            action="refuse",
        )
    reason = _required_reason(reason, "từ chối tiếp nhận")
    before = _apply(dossier, "refuse")
    dossier.finished_at = timezone.now()
    dossier.save()
    _record(dossier, "refuse", before, actor, note=reason)
    return dossier


def supplement_stage(dossier: Dossier) -> str:
    """Intake (before receipt) or appraisal (after it): one supplement request each."""
    return "intake" if dossier.received_at is None else "appraisal"


def supplement_allowed(dossier: Dossier) -> bool:
    if supplement_stage(dossier) == "intake":
        return dossier.intake_supplement_count < 1
    return dossier.appraisal_supplement_count < 1


def _missing_items(missing: Sequence[MissingItem]) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for m in missing:
        item = text.clean_text(m.item or "")
        reason = text.clean_text(m.reason or "", multiline=True)
        if not item and not reason:
            continue
        if not item:
            raise InvalidInput("Cần ghi tên giấy tờ cần bổ sung.", code="missing_item_name")
        if len(reason) < 5:
            raise InvalidInput(
                f"Cần ghi rõ lý do phải bổ sung “{item}”.", code="missing_item_reason"
            )
        items.append({"item": item, "reason": reason})
    if not items:
        raise InvalidInput(
            "Cần liệt kê đầy đủ các giấy tờ còn thiếu.", code="missing_items_required"
        )
    return items


@transaction.atomic
def request_supplement(
    dossier: Dossier, actor: Actor, missing: Sequence[MissingItem], note: str = ""
) -> Dossier:
    """Ask for everything missing, with the reason for each paper: once at intake (before
    receipt) and once in appraisal (after it, within 3 working days of receipt)."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, "request_supplement")
    items = _missing_items(missing)
    stage = supplement_stage(dossier)
    if not supplement_allowed(dossier):
        # NĐ 118/2025, NĐ 45/2020: everything missing is asked for at once, one request
        # per stage; a second one in the same stage is not lawful.
        raise IllegalTransition(
            f"Hồ sơ đã được yêu cầu bổ sung một lần ở bước {SUPPLEMENT_STAGES[stage]}: "
            "mỗi bước chỉ được yêu cầu bổ sung một lần, hướng dẫn đầy đủ ngay từ lần đầu.",
            from_status=dossier.status,
            action="request_supplement",
        )
    cal = calendar_for(dossier.agency_id)
    now = timezone.now()
    if dossier.received_at is not None:
        elapsed = cal.minutes_between(dossier.received_at, now)
        if elapsed > SUPPLEMENT_WINDOW_DAYS * cal.minutes_per_day:
            raise IllegalTransition(
                "Đã quá 3 ngày làm việc kể từ khi tiếp nhận: không được yêu cầu bổ sung.",
                action="request_supplement",
            )
    before = _apply(dossier, "request_supplement")
    dossier.supplement_count += 1
    if stage == "intake":
        dossier.intake_supplement_count += 1
    else:
        dossier.appraisal_supplement_count += 1
    dossier.paused_at = now
    dossier.save()
    # "missing" keeps the plain list of papers its readers know; "items" adds the reasons
    # (form 02 lists both).
    _record(
        dossier,
        "request_supplement",
        before,
        actor,
        note=note,
        data={"missing": [i["item"] for i in items], "items": items, "stage": stage},
    )
    return dossier


def complete_supplement(dossier: Dossier, actor: Actor, uploads: Sequence[Upload] = ()) -> Dossier:
    """The applicant supplied what was missing: the clock restarts in full."""
    _check_components(uploads, dossier.procedure.components.values_list("pk", flat=True))
    stored = _store_all(uploads, prefix=f"dossiers/{dossier.agency.identifier}")
    try:
        with transaction.atomic():
            dossier = _locked(dossier)
            policy.require(actor, dossier, "complete_supplement")
            cal = calendar_for(dossier.agency_id)
            now = timezone.now()
            if dossier.received_at is None:
                resume = Status.SUBMITTED
            elif (
                dossier.legs.exists()
                or dossier.events.filter(action__in=STEP_ACTION_LABELS).exists()
            ):
                resume = Status.PROCESSING
            else:
                resume = Status.RECEIVED
            before = _apply(dossier, "complete_supplement", resume)
            if dossier.paused_at is not None:
                dossier.paused_minutes += cal.minutes_between(dossier.paused_at, now)
            dossier.paused_at = None
            if dossier.received_at is None:
                if dossier.channel == Channel.ONLINE:
                    dossier.intake_due_at = cal.add_minutes(now, ONLINE_INTAKE_HOURS * 60)
            else:
                dossier.clock_started_at = now
                dossier.due_at = _due(cal, dossier.procedure, now)
                # A new receipt slip: QĐ 766 measures against this appointment.
                dossier.original_due_at = dossier.on_time_due_at = dossier.due_at
                leg = dossier.legs.filter(finished_at__isnull=True).first()
                if leg is not None:
                    leg.started_at = now
                    leg.due_at = min(cal.add_minutes(now, leg.budget_minutes), dossier.due_at)
                    leg.save(update_fields=["started_at", "due_at"])
                # The process's open steps start again with their budgets, too.
                for row in dossier.steps.filter(finished_at=None):
                    row.started_at = now
                    row.due_at = min(cal.add_minutes(now, row.budget_minutes), dossier.due_at)
                    row.save(update_fields=["started_at", "due_at"])
            dossier.save()
            _attach(dossier, stored, Attachment.Kind.SUPPLEMENT)
            _record(
                dossier,
                "complete_supplement",
                before,
                actor,
                data={"files": [s.sha256 for _, s in stored]},
            )
    except Exception:
        _discard(s for _, s in stored)
        raise
    return dossier


# --- processing -----------------------------------------------------------------------


@transaction.atomic
def assign(
    dossier: Dossier,
    actor: Actor,
    *,
    to_agency: Agency,
    to_user: User | None = None,
    budget_days: Decimal | str | None = None,
    note: str = "",
) -> Dossier:
    """Hand the dossier to the next leg: an agency (and officer) with its own budget."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, "assign")
    _read_files(dossier)
    if to_user is not None:
        target = policy.officer_of(to_user)
        if target is None or target.agency_id != to_agency.pk:
            raise InvalidInput(
                "Cán bộ được chuyển không thuộc cơ quan nhận hồ sơ.", code="assignee_not_in_agency"
            )
    cal = calendar_for(dossier.agency_id)
    now = timezone.now()
    remaining = cal.minutes_between(now, dossier.due_at) if dossier.due_at else 0
    if budget_days in (None, ""):
        budget = remaining
    else:
        try:
            budget = days_to_minutes(budget_days)
        except ArithmeticError:
            raise InvalidInput("Thời hạn bước xử lý không hợp lệ.", code="invalid_budget") from None
        if budget <= 0:
            raise InvalidInput("Thời hạn bước xử lý phải lớn hơn 0.", code="invalid_budget")
        if budget > remaining:
            raise InvalidInput(
                "Thời hạn bước xử lý vượt quá thời gian còn lại đến hẹn trả kết quả.",
                code="budget_exceeds_due",
            )
    before = _apply(dossier, "assign")
    seq = 1
    open_leg = LAST_LEG.first(dossier=dossier.pk)
    if open_leg is not None:
        seq = open_leg.seq + 1
        if open_leg.finished_at is None:
            open_leg.finished_at = now
            open_leg.save(update_fields=["finished_at"])
    leg = insert(
        ProcessingLeg(
            dossier=dossier,
            seq=seq,
            agency=to_agency,
            assignee=to_user,
            budget_minutes=budget,
            started_at=now,
            due_at=cal.add_minutes(now, budget),
            note=note,
        )
    )
    dossier.current_agency = to_agency
    dossier.current_assignee = to_user
    dossier.save()
    _record(
        dossier,
        "assign",
        before,
        actor,
        note=note,
        data={
            "leg": leg.seq,
            "to_agency": to_agency.identifier,
            "to_user": to_user.username if to_user else "",
            "budget_minutes": budget,
        },
    )
    return dossier


@transaction.atomic
def request_payment(
    dossier: Dossier,
    actor: Actor,
    amount_vnd: int,
    note: str = "",
    *,
    lines: list[dict[str, Any]] | None = None,
) -> Dossier:
    """The dossier waits for the applicant's fees (status 6): the clock stops until paid.
    `lines` are the fee rows behind the amount (motcua.payments computes both)."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, "request_payment")
    if amount_vnd <= 0:
        raise InvalidInput("Số tiền phải lớn hơn 0.", code="invalid_amount")
    before = _apply(dossier, "request_payment")
    dossier.paused_at = timezone.now()
    dossier.save()
    data: dict[str, Any] = {"amount_vnd": amount_vnd}
    if lines:
        data["lines"] = lines
    _record(dossier, "request_payment", before, actor, note=note, data=data)
    return dossier


@transaction.atomic
def confirm_payment(
    dossier: Dossier,
    actor: Actor,
    note: str = "",
    *,
    data: dict[str, Any] | None = None,
    verified_by: str = "",
) -> Dossier:
    """Time waiting for the applicant to pay does not count: the due date moves on.

    `verified_by` names the payment platform whose signed notification proved the payment
    (motcua.payments): no officer acts then. `data` adds the receipt to the event."""
    dossier = _locked(dossier)
    if not verified_by:
        policy.require(actor, dossier, "confirm_payment")
    cal = calendar_for(dossier.agency_id)
    before = _apply(dossier, "confirm_payment")
    paused = cal.minutes_between(dossier.paused_at, timezone.now()) if dossier.paused_at else 0
    dossier.paused_minutes += paused
    dossier.paused_at = None
    if dossier.due_at:
        dossier.due_at = cal.add_minutes(dossier.due_at, paused)
    if dossier.on_time_due_at:
        # QĐ 766: the applicant's time is not the agency's (an apology's date is).
        dossier.on_time_due_at = cal.add_minutes(dossier.on_time_due_at, paused)
    dossier.save()
    extra = {**(data or {}), **({"verified_by": verified_by} if verified_by else {})}
    _record(
        dossier,
        "confirm_payment",
        before,
        actor,
        note=note,
        data={"paused_minutes": paused, **extra},
    )
    return dossier


@transaction.atomic
def approve(dossier: Dossier, actor: Actor, note: str = "") -> Dossier:
    dossier = _locked(dossier)
    policy.require(actor, dossier, "approve")
    before = _apply(dossier, "approve")
    dossier.save()
    _record(dossier, "approve", before, actor, note=note)
    return dossier


def finish(
    dossier: Dossier, actor: Actor, uploads: Sequence[Upload] = (), note: str = ""
) -> Dossier:
    """The result is ready: it gets its number and goes back to the receiving desk."""
    stored = _store_all(uploads, prefix=f"results/{dossier.agency.identifier}")
    try:
        with transaction.atomic():
            dossier = _locked(dossier)
            policy.require(actor, dossier, "finish")
            before = _apply(dossier, "finish")
            now = timezone.now()
            dossier.finished_at = now
            dossier.result_code = result_code(dossier.code, 1)
            dossier.legs.filter(finished_at__isnull=True).update(finished_at=now)
            dossier.current_agency = dossier.agency
            dossier.current_assignee = None
            dossier.save()
            _attach(dossier, stored, Attachment.Kind.RESULT)
            _record(
                dossier,
                "finish",
                before,
                actor,
                note=note,
                data={"result_code": dossier.result_code, "files": [s.sha256 for _, s in stored]},
            )
    except Exception:
        _discard(s for _, s in stored)
        raise
    return dossier


register_return_guard = policy.register_return_guard


def _check_return_guards(dossier: Dossier, action: str) -> None:
    reason = policy.return_blocked(dossier)
    if reason:
        raise IllegalTransition(reason, from_status=dossier.status, action=action)


@transaction.atomic
def change_return_channel(
    dossier: Dossier, actor: Actor, choice: ReturnChoice, note: str = ""
) -> Dossier:
    """The desk records the applicant's new choice of how to get the result; possible
    until the result is returned."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, "change_return_channel")
    _check_return_guards(dossier, "change_return_channel")
    choice = choice.validated()
    if dossier.status in CLOSED:
        raise IllegalTransition(
            f"Không thể {ACTION_LABELS['change_return_channel']} khi hồ sơ đang ở trạng thái "
            f"“{Status(dossier.status).label}”.",
            from_status=dossier.status,
            action="change_return_channel",
        )
    _check_online_return(choice.channel, dossier.applicant_id is not None)
    old = ReturnChoice(
        dossier.return_channel, dossier.return_address, dossier.return_unit
    ).as_data()
    new = choice.as_data()
    if old == new:
        raise InvalidInput(
            "Hình thức và địa chỉ nhận kết quả không thay đổi.", code="return_channel_unchanged"
        )
    dossier.return_channel = choice.channel
    dossier.return_address = choice.address
    dossier.return_unit = choice.unit
    dossier.save()
    _record(
        dossier,
        "change_return_channel",
        dossier.status,
        actor,
        note=text.clean_text(note or "", multiline=True),
        data={"old": old, **new},
    )
    return dossier


@transaction.atomic
def return_result(
    dossier: Dossier,
    actor: Actor,
    method: str | None = None,
    note: str = "",
    recipient: RecipientData | None = None,
) -> Dossier:
    """Return the result by the channel the applicant chose (another method needs a
    change_return_channel first). At the desk, record who collected it."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, "return_result")
    _check_return_guards(dossier, "return_result")
    if method and method not in ReturnMethod.values:
        raise InvalidInput("Hình thức trả kết quả không hợp lệ.", code="invalid_return_method")
    # The state first (a refusal below rolls the in-memory change back with the rest).
    before = _apply(dossier, "return_result")
    method = method or dossier.return_channel
    if method != dossier.return_channel:
        raise IllegalTransition(
            f"Người nộp đã đăng ký “{ReturnMethod(dossier.return_channel).label}”. Muốn trả "
            f"theo hình thức “{ReturnMethod(method).label}”, trước hết thay đổi hình thức "
            "nhận kết quả theo yêu cầu của người nộp.",
            from_status=dossier.status,
            action="return_result",
        )
    data: dict[str, Any] = {"method": method}
    if method == ReturnMethod.DESK:
        data["recipient"] = (recipient or RecipientData()).record(dossier)
    elif method == ReturnMethod.POST:
        data["address"] = dossier.return_address
        data["unit"] = dossier.return_unit.code if dossier.return_unit else ""
    if (
        method == ReturnMethod.ONLINE
        and not dossier.attachments.filter(kind=Attachment.Kind.RESULT).exists()
    ):
        raise InvalidInput(
            "Trả kết quả trực tuyến cần có bản điện tử của kết quả.", code="result_file_required"
        )
    dossier.returned_at = timezone.now()
    dossier.return_method = method
    dossier.save()
    _record(dossier, "return_result", before, actor, note=note, data=data)
    return dossier


@transaction.atomic
def note_postal_dispatch(dossier: Dossier, actor: Actor, tracking: str, note: str = "") -> Event:
    """The desk handed the result to the postal operator (the postal app calls this when
    it creates the order): a line of the control sheet, the status stays."""
    dossier = _locked(dossier)
    return _record(
        dossier,
        "postal_dispatch",
        dossier.status,
        actor,
        note=note,
        data={"reference": tracking, "address": dossier.return_address},
    )


@transaction.atomic
def return_by_post(
    dossier: Dossier, *, delivered_at: dt.datetime, tracking_number: str, note: str = ""
) -> Dossier:
    """The operator reported the result delivered to the applicant (an authenticated
    event, so no officer acts): the dossier is returned, at the time of delivery."""
    dossier = _locked(dossier)
    before = _apply(dossier, "return_result")
    dossier.returned_at = delivered_at
    dossier.return_method = ReturnMethod.POST
    dossier.save()
    _record(
        dossier,
        "return_result",
        before,
        None,
        note=note,
        data={
            "method": ReturnMethod.POST,
            "address": dossier.return_address,
            "unit": dossier.return_unit.code if dossier.return_unit else "",
            "tracking_number": tracking_number,
        },
    )
    return dossier


@transaction.atomic
def note_postal_return(dossier: Dossier, *, tracking_number: str, reason: str) -> Event:
    """The operator could not deliver and sent the result back: the dossier stays with
    the desk (status unchanged) with a note saying why, for the desk to act on."""
    dossier = _locked(dossier)
    return _record(
        dossier,
        "postal_returned",
        dossier.status,
        None,
        note=text.clean_text(reason or "", multiline=True),
        data={"tracking_number": tracking_number},
    )


def _close(dossier: Dossier, actor: Actor, action: str, reason: str) -> Dossier:
    """End the dossier early (withdrawal, stop): reason required, open legs closed."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, action)
    reason = _required_reason(reason, ACTION_LABELS[action])
    before = _apply(dossier, action)
    now = timezone.now()
    dossier.finished_at = now
    dossier.legs.filter(finished_at__isnull=True).update(finished_at=now)
    dossier.steps.filter(finished_at=None).update(
        finished_at=now, outcome=DossierStep.Outcome.CANCELLED
    )
    dossier.save()
    _record(dossier, action, before, actor, note=reason)
    return dossier


@transaction.atomic
def withdraw(dossier: Dossier, actor: Actor, reason: str) -> Dossier:
    return _close(dossier, actor, "withdraw", reason)


@transaction.atomic
def stop(dossier: Dossier, actor: Actor, reason: str) -> Dossier:
    return _close(dossier, actor, "stop", reason)


@transaction.atomic
def apologise(dossier: Dossier, actor: Actor, new_due_at: dt.datetime, reason: str) -> Dossier:
    """Form 04: once, at least one working day before the due date, with a later date."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, "apologise")
    reason = _required_reason(reason, "chậm trễ")
    if dossier.status not in APOLOGY_STATES or dossier.due_at is None:
        raise IllegalTransition(
            f"Không thể xin lỗi và hẹn lại khi hồ sơ đang ở trạng thái "
            f"“{Status(dossier.status).label}”.",
            action="apologise",
        )
    if dossier.apologised_at is not None:
        raise IllegalTransition("Hồ sơ đã được xin lỗi và hẹn lại một lần.", action="apologise")
    cal = calendar_for(dossier.agency_id)
    now = timezone.now()
    if cal.minutes_between(now, dossier.due_at) < cal.minutes_per_day:
        raise IllegalTransition(
            "Phải gửi văn bản xin lỗi chậm nhất 1 ngày làm việc trước hạn trả kết quả.",
            action="apologise",
        )
    if new_due_at <= dossier.due_at:
        raise InvalidInput("Ngày hẹn mới phải sau ngày hẹn cũ.", code="new_due_not_later")
    old_due = dossier.due_at
    dossier.due_at = new_due_at
    dossier.apologised_at = now
    dossier.save()
    _record(
        dossier,
        "apologise",
        dossier.status,
        actor,
        note=reason,
        data={"old_due_at": old_due.isoformat(), "new_due_at": new_due_at.isoformat()},
    )
    return dossier


# --- housekeeping ---------------------------------------------------------------------

STORED_PREFIXES = ("dossiers", "results")


def sweep_orphan_files(older_than: dt.timedelta = dt.timedelta(days=1)) -> list[str]:
    """Delete stored files that no attachment points to.

    Files are streamed to storage before the transaction that records them, so a crash
    (kill -9, power loss) between the two leaves a file behind. Only files older than
    `older_than` are touched, so an upload whose transaction is still running is safe.
    """
    cutoff = timezone.now() - older_than
    removed: list[str] = []

    def walk(folder: str):
        dirs, files = default_storage.listdir(folder)
        for name in files:
            yield f"{folder}/{name}"
        for sub in dirs:
            yield from walk(f"{folder}/{sub}")

    for prefix in STORED_PREFIXES:
        if not default_storage.exists(prefix):
            continue
        batch: list[str] = []
        for path in walk(prefix):
            if default_storage.get_modified_time(path) < cutoff:
                batch.append(path)
            if len(batch) >= 500:
                removed += _delete_unreferenced(batch)
                batch = []
        removed += _delete_unreferenced(batch)
    return removed


def _delete_unreferenced(paths: list[str]) -> list[str]:
    known = set(Attachment.objects.filter(path__in=paths).values_list("path", flat=True))
    orphans = [p for p in paths if p not in known]
    for path in orphans:
        default_storage.delete(path)
    return orphans


# --- the internal process (quy trình nội bộ, NĐ 118/2025) ------------------------------

STEP_ACTION_LABELS = {
    "take_step": "nhận xử lý bước",
    "complete_step": "hoàn thành bước",
    "send_back": "trả lại bước trước",
    "request_opinion": "xin ý kiến cơ quan khác",
    "sign": "ký duyệt kết quả",
    "advance": "xử lý",
    "issue": "ban hành kết quả",
}
ACTION_LABELS.update(STEP_ACTION_LABELS)
# Signs a result attachment for a user and returns the signed record; the signing app
# sits above dossiers in the import graph, so it is named here, not imported.
RESULT_SIGNER = "motcua.signing.services.sign_result"
Kind = ProcessStep.Kind


def _own_agency(dossier: Dossier) -> Agency:
    # The procedure's agency; a commune procedure is handled by the commune chosen.
    return dossier.procedure.agency or dossier.agency


def _open_stage(
    dossier: Dossier, stage: Sequence[ProcessStep], start: dt.datetime, cal: WorkingCalendar
) -> list[DossierStep]:
    """Open the steps of one stage together; each is due after its budget, never after
    the dossier's appointment (NĐ 118/2025: the internal process fits the time limit)."""
    rounds = dict(
        dossier.steps.filter(step__in=stage)
        .values("step_id")
        .annotate(n=Count("id"))
        .values_list("step_id", "n")
    )
    rows = []
    for step in stage:
        due = cal.add_minutes(start, step.budget_minutes)
        if dossier.due_at is not None:
            due = min(due, dossier.due_at)
        rows.append(
            DossierStep(
                dossier=dossier,
                step=step,
                order=step.order,
                round=rounds.get(step.pk, 0) + 1,
                name=step.name,
                kind=step.kind,
                role=step.role,
                agency=step.agency or _own_agency(dossier),
                budget_minutes=step.budget_minutes,
                started_at=start,
                due_at=max(due, start),
            )
        )
    DossierStep.objects.bulk_create(rows)
    dossier.current_agency = rows[0].agency
    dossier.current_assignee = None
    return rows


def _stages(dossier: Dossier) -> list[list[ProcessStep]]:
    return process_stages(dossier.process_version.steps.select_related("agency"))


def _start_process(dossier: Dossier, cal: WorkingCalendar) -> None:
    """At receipt: the dossier takes the procedure's current process and its first
    stage opens when the processing clock starts."""
    version = current_process(dossier.procedure)
    if version is None:
        return  # no process published: the legacy assign/approve/finish path
    dossier.process_version = version
    _open_stage(dossier, _stages(dossier)[0], dossier.clock_started_at, cal)
    dossier.save(update_fields=["process_version", "current_agency", "current_assignee"])


def _step_row(dossier: Dossier, actor: Actor, step_id: int | None, action: str) -> DossierStep:
    """The open step `step_id` of this dossier that `actor` may do `action` on."""
    row = one_or_none(
        dossier.steps.select_related("agency", "step").filter(pk=step_id, finished_at=None)
    )
    if row is None:
        raise IllegalTransition(
            f"Bước xử lý này của hồ sơ {dossier.code} không còn mở.", action=action
        )
    if dossier.status not in (Status.RECEIVED, Status.PROCESSING):
        raise IllegalTransition(
            f"Không thể {ACTION_LABELS[action]} khi hồ sơ đang ở trạng thái "
            f"“{Status(dossier.status).label}”.",
            from_status=dossier.status,
            action=action,
        )
    if not policy.may_work_on(actor, row):
        raise NotAllowed(f"Bước “{row.name}” do {row.agency.name} thực hiện, không phải bạn.")
    if row.kind not in policy.STEP_KINDS[action]:
        raise IllegalTransition(
            f"Bước “{row.name}” không cho phép {ACTION_LABELS[action]}.", action=action
        )
    return row


def _step_data(row: DossierStep, **extra: Any) -> dict[str, Any]:
    return {
        "step": row.pk,
        "order": row.order,
        "round": row.round,
        "name": row.name,
        "agency": row.agency.identifier,
        "due_at": row.due_at.isoformat(),
        **extra,
    }


def _close_step(row: DossierStep, outcome: str, note: str, actor: Actor, now) -> None:
    row.finished_at = now
    row.outcome = outcome
    row.note = note
    if row.assignee_id is None and actor is not None and actor.is_authenticated:
        row.assignee = actor
    row.save(update_fields=["finished_at", "outcome", "note", "assignee"])


def _advance(dossier: Dossier, row: DossierStep, cal: WorkingCalendar, now) -> list[DossierStep]:
    """After a step of the process is done: when its whole stage is, the next opens."""
    if row.requested_by_id is not None:
        return []  # an opinion asked for by a step: that step goes on
    if dossier.steps.filter(finished_at=None, requested_by=None).exists():
        return []  # a parallel step of the stage is still open
    stages = _stages(dossier)
    index = next(i for i, st in enumerate(stages) if any(s.order == row.order for s in st))
    if index + 1 >= len(stages):
        return []
    return _open_stage(dossier, stages[index + 1], now, cal)


@transaction.atomic
def take_step(dossier: Dossier, actor: Actor, step_id: int, note: str = "") -> Dossier:
    """An officer takes an open step: it is theirs, and the dossier is being processed."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, "take_step")
    row = _step_row(dossier, actor, step_id, "take_step")
    if row.assignee_id is not None:
        raise IllegalTransition(f"Bước “{row.name}” đã có người nhận xử lý.", action="take_step")
    before = _apply(dossier, "advance")
    row.assignee = actor
    row.save(update_fields=["assignee"])
    if dossier.current_agency_id == row.agency_id:
        dossier.current_assignee = actor
    dossier.save()
    _record(dossier, "take_step", before, actor, note=note, data=_step_data(row))
    return dossier


def complete_step(
    dossier: Dossier,
    actor: Actor,
    step_id: int,
    note: str = "",
    uploads: Sequence[Upload] = (),
) -> Dossier:
    """Finish an open step. Drafting the result needs the result file (PDF, signed at
    the sign step); an opinion needs its answer; issuing the result numbers it and
    ends processing (status 9). Opinions the step asked for must be answered first."""
    stored = _store_all(uploads, prefix=f"results/{dossier.agency.identifier}")
    try:
        with transaction.atomic():
            dossier = _locked(dossier)
            policy.require(actor, dossier, "complete_step")
            row = _step_row(dossier, actor, step_id, "complete_step")
            note = text.clean_text(note or "", multiline=True)
            if row.opinions.filter(finished_at=None).exists():
                raise IllegalTransition(
                    f"Bước “{row.name}” còn chờ ý kiến của cơ quan khác.", action="complete_step"
                )
            kind = Attachment.Kind.OPINION
            if row.kind == Kind.DRAFT:
                kind = Attachment.Kind.DRAFT
                if not stored:
                    raise InvalidInput(
                        "Bước dự thảo kết quả cần tệp dự thảo kết quả (PDF) để trình ký.",
                        code="draft_file_required",
                    )
                if any(s.content_type != "application/pdf" for _, s in stored):
                    raise InvalidInput(
                        "Dự thảo kết quả phải là tệp PDF để ký số.", code="draft_not_pdf"
                    )
            elif row.kind == Kind.OPINION and len(note) < 5:
                raise InvalidInput("Cần ghi rõ ý kiến của cơ quan.", code="opinion_required")
            if row.kind == Kind.ISSUE:
                return _issue(dossier, actor, row, note, stored)
            now = timezone.now()
            before = _apply(dossier, "advance")
            _close_step(row, DossierStep.Outcome.DONE, note, actor, now)
            files = _attach(dossier, stored, kind)
            opened = _advance(dossier, row, calendar_for(dossier.agency_id), now)
            dossier.save()
            _record(
                dossier,
                "complete_step",
                before,
                actor,
                note=note,
                data=_step_data(
                    row, files=[f.sha256 for f in files], next=[r.name for r in opened]
                ),
            )
    except Exception:
        _discard(s for _, s in stored)
        raise
    return dossier


def _issue(dossier: Dossier, actor: Actor, row: DossierStep, note: str, stored) -> Dossier:
    """The last step: the signed result gets its number and goes to the desk (9). The
    event is a `finish`, as the legacy path's, for the statistics and the forms."""
    if not dossier.attachments.filter(kind=Attachment.Kind.RESULT).exists():
        raise IllegalTransition("Chưa có kết quả đã ký duyệt để ban hành.", action="complete_step")
    now = timezone.now()
    before = _apply(dossier, "issue")
    _close_step(row, DossierStep.Outcome.DONE, note, actor, now)
    dossier.finished_at = now
    dossier.result_code = result_code(dossier.code, 1)
    dossier.current_agency = dossier.agency
    dossier.current_assignee = None
    dossier.save()
    files = _attach(dossier, stored, Attachment.Kind.RESULT)
    _record(
        dossier,
        "finish",
        before,
        actor,
        note=note,
        data=_step_data(row, result_code=dossier.result_code, files=[f.sha256 for f in files]),
    )
    return dossier


@transaction.atomic
def send_back(dossier: Dossier, actor: Actor, step_id: int, to_order: int, reason: str) -> Dossier:
    """A review or the signer sends the work back to an earlier step, with the reason:
    that stage opens again with its full budget (within the appointment)."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, "send_back")
    row = _step_row(dossier, actor, step_id, "send_back")
    reason = _required_reason(reason, "trả lại")
    stages = _stages(dossier)
    target = next((st for st in stages if any(s.order == to_order for s in st)), None)
    if target is None or to_order >= row.order:
        raise InvalidInput("Chỉ trả lại được một bước trước đó.", code="invalid_send_back")
    now = timezone.now()
    before = _apply(dossier, "advance")
    _close_step(row, DossierStep.Outcome.SENT_BACK, reason, actor, now)
    dossier.steps.filter(finished_at=None).update(
        finished_at=now, outcome=DossierStep.Outcome.CANCELLED
    )
    opened = _open_stage(dossier, target, now, calendar_for(dossier.agency_id))
    dossier.save()
    _record(
        dossier,
        "send_back",
        before,
        actor,
        note=reason,
        data=_step_data(row, to=[r.name for r in opened], to_order=to_order),
    )
    return dossier


@transaction.atomic
def request_opinion(
    dossier: Dossier,
    actor: Actor,
    step_id: int,
    *,
    to_agency: Agency,
    budget_hours: Decimal | str,
    question: str,
) -> Dossier:
    """The step asks another agency's opinion (xin ý kiến) with a transfer slip (phiếu
    chuyển) and a deadline of its own, within the step's; the step waits for it."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, "request_opinion")
    row = _step_row(dossier, actor, step_id, "request_opinion")
    question = _required_reason(question, "xin ý kiến (nội dung cần cho ý kiến)")
    if not to_agency.is_active or to_agency.pk == row.agency_id:
        raise InvalidInput("Chọn một cơ quan khác, đang hoạt động.", code="invalid_agency")
    try:
        budget = int((Decimal(str(budget_hours)) * 60).to_integral_value())
    except ArithmeticError:
        raise InvalidInput("Thời hạn cho ý kiến không hợp lệ.", code="invalid_budget") from None
    cal = calendar_for(dossier.agency_id)
    now = timezone.now()
    if budget <= 0 or cal.add_minutes(now, budget) > row.due_at:
        raise InvalidInput(
            "Thời hạn cho ý kiến phải lớn hơn 0 và không vượt hạn của bước đang xử lý.",
            code="invalid_budget",
        )
    before = _apply(dossier, "advance")
    opinion = DossierStep.objects.create(
        dossier=dossier,
        order=row.order,
        round=row.round,
        name=f"Cho ý kiến theo phiếu chuyển của {row.agency.name}",
        kind=Kind.OPINION,
        role=Officer.Role.SPECIALIST,
        agency=to_agency,
        requested_by=row,
        budget_minutes=budget,
        started_at=now,
        due_at=cal.add_minutes(now, budget),
        note=question,
    )
    dossier.save()
    _record(
        dossier,
        "request_opinion",
        before,
        actor,
        note=question,
        data=_step_data(
            opinion,
            slip={"from": row.agency.identifier, "to": to_agency.identifier, "step": row.pk},
        ),
    )
    return dossier


def _sign(attachment: Attachment, user: User) -> Attachment:
    """The signed result of a draft: motcua.signing's PAdES signature with the leader's
    certificate. Without the signing app the leader's approval is recorded and the draft
    becomes the result as it is."""
    try:
        signer = import_string(RESULT_SIGNER)
    except ImportError:
        return Attachment.objects.create(
            **{
                f.name: getattr(attachment, f.name)
                for f in Attachment._meta.concrete_fields
                if f.name not in ("id", "kind", "uploaded_at")
            },
            kind=Attachment.Kind.RESULT,
        )
    return signer(attachment, user).signed


@transaction.atomic
def sign(dossier: Dossier, actor: Actor, step_id: int, note: str = "") -> Dossier:
    """The leader signs the drafted result (PAdES, motcua.signing): the result must
    exist before the signature. The signature is computed under the dossier's lock,
    once per dossier, so a second leader cannot sign the same step twice."""
    dossier = _locked(dossier)
    policy.require(actor, dossier, "sign")
    row = _step_row(dossier, actor, step_id, "sign")
    draft = dossier.attachments.filter(kind=Attachment.Kind.DRAFT).order_by("-id").first()
    if draft is None:
        raise IllegalTransition("Chưa có dự thảo kết quả để ký.", action="sign")
    signed = _sign(draft, actor)
    now = timezone.now()
    before = _apply(dossier, "advance")
    _close_step(
        row, DossierStep.Outcome.DONE, text.clean_text(note or "", multiline=True), actor, now
    )
    opened = _advance(dossier, row, calendar_for(dossier.agency_id), now)
    dossier.save()
    _record(
        dossier,
        "sign",
        before,
        actor,
        note=row.note,
        data=_step_data(
            row, draft=draft.sha256, signed=signed.sha256, next=[r.name for r in opened]
        ),
    )
    return dossier
