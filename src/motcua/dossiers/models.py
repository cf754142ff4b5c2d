"""Dossiers, their processing legs, events (the process control sheet) and attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from motcua.catalog.models import AdministrativeUnit, Agency, Component, Procedure
from motcua.core import prepared
from motcua.core.text import fold


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Mới đăng ký")
    RECEIVED = "received", _("Được tiếp nhận")
    REJECTED = "rejected", _("Không được tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    APPROVED = "approved", _("Đã phê duyệt, chờ trả kết quả")
    SUPPLEMENT = "supplement", _("Yêu cầu bổ sung giấy tờ")
    PAYMENT = "payment", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Công dân yêu cầu rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    DONE = "done", _("Đã xử lý xong")
    RETURNED = "returned", _("Đã trả kết quả")


# The ten status codes synced to the National Public Service Portal (DVCQG).
NATIONAL_STATUS: dict[str, int] = {
    Status.SUBMITTED: 1,
    Status.RECEIVED: 2,
    Status.REJECTED: 3,
    Status.PROCESSING: 4,
    Status.APPROVED: 4,
    Status.SUPPLEMENT: 5,
    Status.PAYMENT: 6,
    Status.WITHDRAWN: 7,
    Status.STOPPED: 8,
    Status.DONE: 9,
    Status.RETURNED: 10,
}
NATIONAL_STATUS_NAMES = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
CLOSED = (Status.REJECTED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED)
# An apology (form 04) moves the appointment of a dossier still being worked on.
APOLOGY_STATES = (Status.RECEIVED, Status.PROCESSING, Status.APPROVED, Status.PAYMENT)
OPEN_BEFORE_RESULT = [
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.PROCESSING,
    Status.APPROVED,
    Status.SUPPLEMENT,
    Status.PAYMENT,
]


# How each step of the process control sheet (form 05) reads, for citizens and officers.
EVENT_LABELS = {
    "submit": "Nộp hồ sơ",
    "receive": "Tiếp nhận hồ sơ",
    "refuse": "Từ chối tiếp nhận",
    "request_supplement": "Yêu cầu bổ sung giấy tờ",
    "complete_supplement": "Bổ sung giấy tờ",
    "assign": "Chuyển xử lý",
    "request_payment": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "confirm_payment": "Xác nhận hoàn thành nghĩa vụ tài chính",
    "approve": "Phê duyệt",
    "finish": "Hoàn thành xử lý",
    "return_result": "Trả kết quả",
    "withdraw": "Rút hồ sơ",
    "stop": "Dừng xử lý",
    "apologise": "Xin lỗi và hẹn lại ngày trả kết quả",
    "sign_result": "Ký số kết quả giải quyết",
    "change_return_channel": "Thay đổi hình thức nhận kết quả",
    "postal_dispatch": "Gửi kết quả qua dịch vụ bưu chính công ích",
    "postal_returned": "Bưu điện chuyển hoàn kết quả về bộ phận một cửa",
    # Steps of the internal process (quy trình nội bộ).
    "take_step": "Nhận xử lý bước",
    "complete_step": "Hoàn thành bước xử lý",
    "send_back": "Trả lại bước trước",
    "request_opinion": "Xin ý kiến cơ quan khác (phiếu chuyển)",
    "sign": "Ký duyệt kết quả",
}


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    DESK = "desk", _("Trực tiếp tại bộ phận một cửa")
    POST = "post", _("Qua dịch vụ bưu chính công ích")


class ReturnMethod(models.TextChoices):
    DESK = "desk", _("Trả tại bộ phận một cửa")
    ONLINE = "online", _("Trả trực tuyến (bản điện tử)")
    POST = "post", _("Trả qua dịch vụ bưu chính công ích")


class Dossier(models.Model):
    # Unique through Meta.constraints: a plain unique index, without the extra
    # pattern-ops index PostgreSQL gets for unique=True (lookups are by the whole code).
    code = models.CharField(_("mã hồ sơ"), max_length=64)
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("thủ tục")
    )
    # The three foreign keys below are served by the composite indexes in Meta, which
    # start with them; single-column indexes would only slow every write.
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan tiếp nhận"),
        on_delete=models.PROTECT,
        related_name="received_dossiers",
        db_index=False,
    )
    current_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="current_dossiers",
        db_index=False,
        verbose_name=_("cơ quan đang xử lý"),
    )
    current_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_dossiers",
        verbose_name=_("người đang xử lý"),
    )
    channel = models.CharField(_("kênh nộp"), max_length=8, choices=Channel.choices)
    status = FSMField(_("trạng thái"), default=Status.SUBMITTED, choices=Status.choices)

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,
        verbose_name=_("tài khoản người nộp"),
    )
    applicant_name = models.CharField(_("họ tên người nộp"), max_length=200)
    # fold(applicant_name), set by save(): the desk finds "Nguyễn Văn An" when "nguyen van an"
    # is typed (on PostgreSQL through a trigram index, migration 0012).
    applicant_name_folded = models.CharField(max_length=200, blank=True, default="", editable=False)
    applicant_id_number = models.CharField(_("số định danh cá nhân"), max_length=20)
    applicant_phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    subject = models.CharField(_("trích yếu"), max_length=500, blank=True)

    submitted_at = models.DateTimeField(_("thời điểm nộp"), default=timezone.now)
    intake_due_at = models.DateTimeField(_("hạn tiếp nhận"), null=True, blank=True)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    clock_started_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("bắt đầu tính thời hạn lúc")
    )
    due_at = models.DateTimeField(_("hẹn trả kết quả"), null=True, blank=True, db_index=True)
    original_due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hạn ban đầu"))
    paused_at = models.DateTimeField(null=True, blank=True, verbose_name=_("tạm dừng lúc"))
    paused_minutes = models.PositiveIntegerField(default=0, verbose_name=_("số phút tạm dừng"))
    supplement_count = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("số lần yêu cầu bổ sung")
    )
    apologised_at = models.DateTimeField(null=True, blank=True, verbose_name=_("xin lỗi lúc"))
    finished_at = models.DateTimeField(_("thời điểm xử lý xong"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)
    result_code = models.CharField(_("số kết quả"), max_length=72, blank=True)
    return_method = models.CharField(
        _("hình thức trả kết quả"), max_length=8, choices=ReturnMethod.choices, blank=True
    )
    # Chosen by the applicant at submission (NĐ 118/2025; form 01 records it), changeable
    # by the desk until the return; return_method is what the return actually used.
    return_channel = models.CharField(
        _("hình thức nhận kết quả đã đăng ký"),
        max_length=8,
        choices=ReturnMethod.choices,
        default=ReturnMethod.DESK,
    )
    return_address = models.CharField(_("địa chỉ nhận kết quả"), max_length=300, blank=True)
    return_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("xã, phường nhận kết quả"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # never looked up by unit
    )
    # One supplement request is lawful at intake (before receipt) and one in appraisal
    # (after it): NĐ 118/2025, NĐ 45/2020. supplement_count is their sum.
    intake_supplement_count = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("số lần bổ sung khi tiếp nhận")
    )
    appraisal_supplement_count = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("số lần bổ sung khi thẩm định")
    )
    # QĐ 766: the appointment given at receipt (re-given when a supplement restarts the
    # clock), moved only by time spent waiting for the applicant (payment), never by an
    # apology. On time = finished at or before it; see stats.is_on_time.
    on_time_due_at = models.DateTimeField(_("hạn tính đúng hạn"), null=True, blank=True)
    # The procedure's internal process current at receipt (NĐ 118/2025): the dossier runs
    # on it to the end, whatever is published later. Empty: the legacy assign/approve path.
    process_version = models.ForeignKey(
        "catalog.ProcessVersion",
        verbose_name=_("quy trình nội bộ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # never looked up by version
    )
    # Distribution column (Citus-ready schema); one value per province, not a filter.
    province_code = models.CharField(max_length=8, verbose_name=_("mã tỉnh"))
    # The version of the procedure (catalogue sync) current when the dossier was filed: it
    # keeps it when an administrator later accepts a new national version. Empty for
    # dossiers filed before versions existed.
    procedure_version = models.ForeignKey(
        "catalog.ProcedureVersion",
        verbose_name=_("phiên bản thủ tục"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # never looked up by version
    )
    # The portal's MaHoSo for a dossier filed on the National Public Service Portal (empty
    # otherwise): unique, so the same national dossier can never become two.
    national_id = models.CharField(
        _("mã hồ sơ trên Cổng DVC quốc gia"), max_length=64, null=True, blank=True
    )

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        constraints = [
            models.UniqueConstraint(fields=["code"], name="dossiers_dossier_code_key"),
            # NULLs are distinct: only dossiers from the portal are constrained.
            models.UniqueConstraint(fields=["national_id"], name="dossiers_dossier_national_id"),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "due_at"]),
            models.Index(fields=["current_agency", "status", "due_at"]),
            models.Index(fields=["applicant", "submitted_at"]),
            # Daily reconciliation with the national portal reads dossiers by day of filing.
            models.Index(fields=["submitted_at"], name="dossiers_submitted_at"),
            # The desk's search box: an ID number or a phone number.
            models.Index(fields=["applicant_id_number"], name="dossiers_applicant_id_number"),
            models.Index(fields=["applicant_phone"], name="dossiers_applicant_phone"),
            # Desk queues look at open dossiers only: small partial indexes keep the
            # queue fast however long the agency's history grows.
            models.Index(
                fields=["agency", "status"],
                condition=~models.Q(status__in=CLOSED),
                name="dossiers_open_by_agency",
            ),
            models.Index(
                fields=["current_agency", "status"],
                condition=~models.Q(status__in=CLOSED),
                name="dossiers_open_by_holder",
            ),
            # The live part of the QĐ 766 on-time statistic (stats, serviceindex): the
            # dossiers received and not yet finished, by receipt time, with what decides
            # whether they are late, so that count is an index-only scan of a few rows.
            # The procedure too: the periodic report splits the overdue ones by field
            # (10 M set: 1.8 s reading each dossier's row, 0.1 s from the index alone).
            models.Index(
                fields=[
                    "received_at",
                    "agency",
                    "on_time_due_at",
                    "original_due_at",
                    "paused_at",
                    "finished_at",
                    "intake_supplement_count",
                    "appraisal_supplement_count",
                    "procedure",
                ],
                condition=models.Q(
                    status__in=["received", "processing", "approved", "supplement", "payment"]
                ),
                name="dossiers_open_received",
            ),
            # serviceindex: open dossiers whose clock runs, by the appointment that makes
            # them late (the count due between midnight and now, the what-if's next days).
            # The condition is selectors.running_open's filter, word for word.
            models.Index(
                Coalesce("on_time_due_at", "original_due_at"),
                models.F("agency"),
                models.F("received_at"),
                condition=models.Q(
                    status__in=["received", "processing", "approved", "supplement", "payment"],
                    paused_at__isnull=True,
                    finished_at__isnull=True,
                    intake_supplement_count__lte=1,
                    appraisal_supplement_count__lte=1,
                ),
                name="dossiers_open_running_due",
            ),
            # serviceindex: the dossiers that cost a unit points, newest received first,
            # a page at a time (keyset on received_at, id): the province's, and an agency's.
            models.Index(fields=["received_at", "id"], name="dossiers_received_at"),
            models.Index(fields=["agency", "received_at", "id"], name="dossiers_agency_received"),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.derived_columns()
        fields = kwargs.get("update_fields")
        as_locked = self.__dict__.get("_as_locked")
        if (
            fields is None
            and as_locked is not None
            and not args
            and set(kwargs) <= {"update_fields"}
        ):
            # Read under FOR UPDATE (services._locked): the other columns are as stored, so
            # the UPDATE writes the changed ones only (the ORM compiling and adapting all
            # forty was a tenth of an action's CPU).
            now = self.__dict__
            fields = [name for name, value in as_locked.items() if now.get(name, now) != value]
            kwargs["update_fields"] = fields
            # Its UPDATE compiled once per set of columns (core.prepared.update).
            if prepared.update(self, fields):
                self.lock_snapshot()
                return
        elif fields is not None and "applicant_name" in fields:
            kwargs["update_fields"] = {*fields, "applicant_name_folded"}
        super().save(*args, **kwargs)
        if as_locked is not None:
            self.lock_snapshot()

    def derived_columns(self) -> None:
        """What save() computes from other columns before writing (core.prepared.insert
        calls it for a new row instead of save())."""
        self.applicant_name_folded = fold(self.applicant_name)[:200]

    def lock_snapshot(self) -> None:
        """Remember the row's columns as now stored (see save)."""
        self._as_locked = {
            f.attname: self.__dict__[f.attname]
            for f in self._meta.concrete_fields
            if not f.primary_key
        }

    # get_FOO_display() hashes every (lazy, translated) choice label on each call: ~0.8 ms
    # under a profiler, a fifth of the desk queue page with its 50 rows. The enum lookup
    # gives the same label.
    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label

    @property
    def return_channel_label(self) -> str:
        return ReturnMethod(self.return_channel).label

    @property
    def national_status(self) -> int:
        return NATIONAL_STATUS[self.status]

    @property
    def national_status_name(self) -> str:
        return NATIONAL_STATUS_NAMES[self.national_status]

    @property
    def is_overdue(self) -> bool:
        """Past the appointment (or finished after it), or, before receipt, past the
        8-working-hour intake deadline. selectors.overdue_q is the same rule in SQL."""
        if self.status in CLOSED:
            return False
        if self.status == Status.SUBMITTED and self.intake_due_at is not None:
            return timezone.now() > self.intake_due_at
        if self.due_at is None:
            return False
        end = self.finished_at or timezone.now()
        return end > self.due_at

    # --- lifecycle (django-fsm-2): the graph only; services add clocks, events, audit ---
    @transition(field=status, source=Status.SUBMITTED, target=Status.RECEIVED)
    def receive(self) -> None:
        pass

    # Refusal (form 03) only before receipt; after it the dossier is stopped (8, form 05).
    @transition(field=status, source=Status.SUBMITTED, target=Status.REJECTED)
    def refuse(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING],
        target=Status.SUPPLEMENT,
    )
    def request_supplement(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.SUPPLEMENT,
        target=RETURN_VALUE(Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING),
    )
    def complete_supplement(self, resume_to: str) -> str:
        return resume_to

    @transition(field=status, source=[Status.RECEIVED, Status.PROCESSING], target=Status.PROCESSING)
    def assign(self) -> None:
        pass

    # A step of the internal process was taken or done: the dossier is being processed.
    @transition(field=status, source=[Status.RECEIVED, Status.PROCESSING], target=Status.PROCESSING)
    def advance(self) -> None:
        pass

    # The process's last step: the signed result is issued (ban hành), status 9.
    @transition(field=status, source=Status.PROCESSING, target=Status.DONE)
    def issue(self) -> None:
        pass

    @transition(field=status, source=Status.PROCESSING, target=Status.PAYMENT)
    def request_payment(self) -> None:
        pass

    @transition(field=status, source=Status.PAYMENT, target=Status.PROCESSING)
    def confirm_payment(self) -> None:
        pass

    @transition(field=status, source=Status.PROCESSING, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=Status.APPROVED, target=Status.DONE)
    def finish(self) -> None:
        pass

    @transition(field=status, source=Status.DONE, target=Status.RETURNED)
    def return_result(self) -> None:
        pass

    @transition(
        field=status,
        source=[
            Status.SUBMITTED,
            Status.RECEIVED,
            Status.PROCESSING,
            Status.SUPPLEMENT,
            Status.PAYMENT,
        ],
        target=Status.WITHDRAWN,
    )
    def withdraw(self) -> None:
        pass

    @transition(
        field=status,
        source=[
            Status.RECEIVED,
            Status.PROCESSING,
            Status.SUPPLEMENT,
            Status.PAYMENT,
            Status.APPROVED,
        ],
        target=Status.STOPPED,
    )
    def stop(self) -> None:
        pass


class ProcessingLeg(models.Model):
    """One step of the processing chain: an agency (and officer) with its own time budget."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="legs", verbose_name=_("hồ sơ")
    )
    seq = models.PositiveSmallIntegerField(verbose_name=_("thứ tự"))
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người xử lý"),
    )
    budget_minutes = models.PositiveIntegerField(verbose_name=_("thời gian được giao (phút)"))
    started_at = models.DateTimeField(verbose_name=_("bắt đầu lúc"))
    due_at = models.DateTimeField(verbose_name=_("hạn"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("xong lúc"))
    note = models.TextField(blank=True, verbose_name=_("ghi chú"))

    class Meta:
        verbose_name = _("lượt xử lý")
        verbose_name_plural = _("lượt xử lý")
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="dossiers_leg_dossier_seq")
        ]


class DossierStep(models.Model):
    """A step of the dossier's process as it runs: opened when its stage starts (the
    clock), due within its budget but never after the dossier's appointment, finished
    with an outcome. A stage sent back opens again as new rows (round + 1); an opinion
    asked by a step outside the process has no `step` and names the step that asked."""

    class Outcome(models.TextChoices):
        DONE = "done", _("Hoàn thành")
        SENT_BACK = "sent_back", _("Trả lại bước trước")
        CANCELLED = "cancelled", _("Hủy do hồ sơ kết thúc hoặc trả lại")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="steps", verbose_name=_("hồ sơ")
    )
    step = models.ForeignKey(
        "catalog.ProcessStep",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # read by dossier only, verbose_name=_("bước quy trình")
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    round = models.PositiveSmallIntegerField(_("lượt"), default=1)
    # Copied from the process step: what the desk shows, and what an ad-hoc opinion has.
    name = models.CharField(_("tên bước"), max_length=200)
    kind = models.CharField(_("loại bước"), max_length=8)
    role = models.CharField(_("người thực hiện"), max_length=12)
    # Served by the (agency, dossier) index below.
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("cơ quan"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("người xử lý"),
    )
    requested_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="opinions",
        verbose_name=_("người đề nghị"),
    )
    budget_minutes = models.PositiveIntegerField(verbose_name=_("thời gian được giao (phút)"))
    started_at = models.DateTimeField(_("bắt đầu"))
    due_at = models.DateTimeField(_("hạn"))
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices, blank=True)
    note = models.TextField(_("ghi chú, ý kiến"), blank=True)

    class Meta:
        ordering = ["dossier", "id"]
        verbose_name = _("bước xử lý hồ sơ")
        verbose_name_plural = _("các bước xử lý hồ sơ")
        indexes = [
            # Which dossiers an agency has (had) a step on: visibility and the queue.
            models.Index(fields=["agency", "dossier"], name="dossiers_step_agency"),
            # Open steps by due time: the leader's "cần chú ý" list of overdue steps.
            models.Index(
                fields=["agency", "due_at"],
                condition=models.Q(finished_at__isnull=True),
                name="dossiers_step_open_due",
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.finished_at is None

    @property
    def is_overdue(self) -> bool:
        end = self.finished_at or timezone.now()
        return end > self.due_at


class Event(models.Model):
    """A line of the process control sheet (form 06): who did what, where, when, why."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="events", verbose_name=_("hồ sơ")
    )
    action = models.CharField(max_length=32, verbose_name=_("thao tác"))
    from_status = models.CharField(max_length=12, blank=True, verbose_name=_("từ trạng thái"))
    to_status = models.CharField(max_length=12, verbose_name=_("sang trạng thái"))
    national_status = models.PositiveSmallIntegerField(verbose_name=_("trạng thái quốc gia"))
    # No index on actor/agency: events are read by dossier only, and these two indexes
    # cost a third of a bulk load. (Deleting a user or agency, which PROTECT refuses
    # anyway once they have events, then scans the table.)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("người thực hiện"),
    )
    actor_name = models.CharField(max_length=200, blank=True, verbose_name=_("tên người thực hiện"))
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("cơ quan"),
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("thời điểm"))
    note = models.TextField(blank=True, verbose_name=_("ghi chú"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("dữ liệu"))
    province_code = models.CharField(max_length=8, verbose_name=_("mã tỉnh"))

    class Meta:
        ordering = ["dossier", "id"]
        verbose_name = _("sự kiện xử lý hồ sơ")
        verbose_name_plural = _("phiếu kiểm soát quá trình")

    @property
    def missing_items(self) -> list[dict]:
        """A supplement request's papers with their reasons. Templates must use this, not
        `data.items`: on an event without that key Django would call dict.items()."""
        items = self.data.get("items") if isinstance(self.data, dict) else None
        return items if isinstance(items, list) else []


class Attachment(models.Model):
    class Kind(models.TextChoices):
        APPLICATION = "application", _("Thành phần hồ sơ")
        SUPPLEMENT = "supplement", _("Giấy tờ bổ sung")
        RESULT = "result", _("Kết quả giải quyết")
        DRAFT = "draft", _("Dự thảo kết quả")
        OPINION = "opinion", _("Văn bản ý kiến, phối hợp")
        # Filing for someone else: giấy ủy quyền, or the paper proving legal representation.
        MANDATE = "mandate", _("Giấy ủy quyền, giấy tờ chứng minh quyền đại diện")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("hồ sơ")
    )
    component = models.ForeignKey(
        Component,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("thành phần hồ sơ"),
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("loại"))
    path = models.CharField(max_length=255, verbose_name=_("đường dẫn lưu trữ"))
    original_name = models.CharField(max_length=200, verbose_name=_("tên tệp"))
    size = models.PositiveBigIntegerField(verbose_name=_("kích thước (byte)"))
    sha256 = models.CharField(max_length=64, verbose_name=_("mã băm SHA-256"))
    content_type = models.CharField(max_length=120, verbose_name=_("kiểu nội dung"))
    uploaded_at = models.DateTimeField(default=timezone.now, verbose_name=_("tải lên lúc"))

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["dossier", "id"]


class IdempotencyRecord(models.Model):
    """A submission's Idempotency-Key: a retried request returns the first dossier."""

    owner = models.CharField(max_length=64, verbose_name=_("tài khoản"))
    key = models.CharField(max_length=128, verbose_name=_("khóa"))
    fingerprint = models.CharField(max_length=64, verbose_name=_("dấu vân tay yêu cầu"))
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="+", verbose_name=_("hồ sơ")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("tạo lúc"))

    class Meta:
        verbose_name = _("khóa chống gửi trùng")
        verbose_name_plural = _("khóa chống gửi trùng")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="dossiers_idem_owner_key")
        ]


class AgencyStatusCount(models.Model):
    """How many dossiers of an agency are in each status now. Kept by the services in the
    transaction of each transition, so dashboards never count millions of rows."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="+", verbose_name=_("cơ quan")
    )
    status = models.CharField(max_length=12, choices=Status.choices, verbose_name=_("trạng thái"))
    count = models.IntegerField(db_default=0, verbose_name=_("số hồ sơ"))

    class Meta:
        verbose_name = _("số hồ sơ theo trạng thái")
        verbose_name_plural = _("số hồ sơ theo trạng thái")
        constraints = [
            models.UniqueConstraint(fields=["agency", "status"], name="dossiers_statuscount_key")
        ]


class AgencyMonthStats(models.Model):
    """Per agency and month of receipt (first day of the month, local time): the dossiers
    received, and what became of them so far (QĐ 766 progress group): finished on time or
    late, stopped, withdrawn, and how many of those two closed after their due time. The
    ones still open are received minus the rest; stats.on_time_rates adds their live state.
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="+", verbose_name=_("cơ quan")
    )
    month = models.DateField(verbose_name=_("tháng"))
    received = models.PositiveIntegerField(db_default=0, verbose_name=_("đã tiếp nhận"))
    finished = models.PositiveIntegerField(db_default=0, verbose_name=_("đã giải quyết"))
    on_time = models.PositiveIntegerField(db_default=0, verbose_name=_("đúng hạn"))
    late = models.PositiveIntegerField(db_default=0, verbose_name=_("quá hạn"))
    stopped = models.PositiveIntegerField(
        db_default=0, verbose_name=_("dừng xử lý")
    )  # includes refusals after receipt
    withdrawn = models.PositiveIntegerField(db_default=0, verbose_name=_("đã rút"))
    closed_late = models.PositiveIntegerField(
        db_default=0, verbose_name=_("đóng sau hạn")
    )  # stopped/withdrawn, past due

    class Meta:
        verbose_name = _("thống kê theo tháng")
        verbose_name_plural = _("thống kê theo tháng")
        constraints = [
            models.UniqueConstraint(fields=["agency", "month"], name="dossiers_monthstats_key")
        ]


class DossierAccess(models.Model):
    """Someone on the administration's side saw a dossier's personal data: the citizen's
    "who opened my dossier" list. Written with the audit entry of the read, in its
    transaction (one row per dossier shown, bulk-inserted for a list page).

    It keeps the role and agency, not the officer's login: what the citizen needs to know
    is which office looked and in what capacity; the audit entry names the person.
    """

    class Role(models.TextChoices):
        DESK = "desk", _("Cán bộ một cửa")
        SPECIALIST = "specialist", _("Chuyên viên")
        LEADER = "leader", _("Lãnh đạo")
        ADMIN = "admin", _("Quản trị hệ thống")

    class Via(models.TextChoices):
        PAGE = "page", _("Trang chi tiết hồ sơ")
        LIST = "list", _("Danh sách hồ sơ (họ tên, trích yếu)")
        PDF = "pdf", _("Phiếu, văn bản in (PDF)")
        FILE = "file", _("Tệp giấy tờ đính kèm")
        API = "api", _("Phần mềm kết nối (API)")
        ADMIN = "admin", _("Trang quản trị hệ thống")

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="accesses",
        db_index=False,
        verbose_name=_("hồ sơ"),
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("thời điểm"))
    role = models.CharField(max_length=12, choices=Role.choices, verbose_name=_("vai trò"))
    # No index: read by dossier only (the composite index below).
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("cơ quan"),
    )
    via = models.CharField(max_length=8, choices=Via.choices, verbose_name=_("qua"))

    class Meta:
        verbose_name = _("lượt xem hồ sơ")
        verbose_name_plural = _("lượt xem hồ sơ")
        indexes = [models.Index(fields=["dossier", "at"], name="dossiers_access_dossier_at")]

    @property
    def role_label(self) -> str:
        return self.Role(self.role).label

    @property
    def via_label(self) -> str:
        return self.Via(self.via).label


class RegisterEntry(models.Model):
    """The dossier's line in the receiving unit's register (Sổ theo dõi hồ sơ, form 07 of
    TT 03/2025): book (the unit's code and the year) and a number gap-free per unit and
    year, taken in the receipt's transaction. `centre` is empty where no service centre
    is configured: the book is then the receiving agency's own."""

    dossier = models.OneToOneField(
        Dossier, on_delete=models.CASCADE, related_name="register_entry", verbose_name=_("hồ sơ")
    )
    centre = models.ForeignKey(
        "catalog.ServiceCentre",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # served by the (centre, received_at) index, verbose_name=_("trung tâm")
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("cơ quan"),
    )
    book = models.CharField(_("quyển số"), max_length=40)
    number = models.PositiveIntegerField(_("số thứ tự"))
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"))

    class Meta:
        verbose_name = _("dòng sổ theo dõi hồ sơ")
        verbose_name_plural = _("sổ theo dõi hồ sơ")
        constraints = [
            models.UniqueConstraint(fields=["book", "number"], name="dossiers_register_book_no")
        ]
        indexes = [
            models.Index(fields=["centre", "received_at"], name="dossiers_register_centre_at"),
            models.Index(fields=["agency", "received_at"], name="dossiers_register_agency_at"),
        ]


class FormText(models.Model):
    """A block of a form's wording (title, opening, closing...) as an administrator
    corrected it: documents.py prints the stored text, falling back to the shipped
    default when there is no row. `{placeholders}` are filled when printing."""

    form = models.PositiveSmallIntegerField(_("mẫu số"))
    key = models.SlugField(_("khối"), max_length=40)
    label = models.CharField(_("nội dung"), max_length=200, blank=True)
    text = models.TextField(_("văn bản"))
    updated_at = models.DateTimeField(_("cập nhật"), auto_now=True)

    class Meta:
        ordering = ["form", "id"]
        verbose_name = _("lời văn biểu mẫu")
        verbose_name_plural = _("lời văn biểu mẫu (TT 03/2025)")
        constraints = [
            models.UniqueConstraint(fields=["form", "key"], name="dossiers_formtext_form_key")
        ]

    def __str__(self) -> str:
        return f"Mẫu {self.form:02d} – {self.label or self.key}"


class Representation(models.Model):
    """A dossier filed by someone on another person's behalf. The dossier's applicant
    fields name the represented person (the one the procedure is for, who can look it up);
    this row names the representative who filed it, from their account's bound identity,
    and the paper that gives them the right to."""

    class Relationship(models.TextChoices):
        LEGAL = "legal", _("Người đại diện theo pháp luật")
        AUTHORISED = "authorised", _("Người được ủy quyền")

    dossier = models.OneToOneField(
        Dossier, on_delete=models.CASCADE, related_name="representation", verbose_name=_("hồ sơ")
    )
    relationship = models.CharField(_("tư cách đại diện"), max_length=12, choices=Relationship)
    representative_name = models.CharField(_("họ tên người nộp thay"), max_length=200)
    representative_id_number = models.CharField(_("số định danh người nộp thay"), max_length=20)
    # True when the representative's identity came from VNeID, not from a declaration.
    representative_verified = models.BooleanField(_("định danh đã xác thực"), default=False)
    authorisation = models.ForeignKey(
        Attachment, on_delete=models.PROTECT, related_name="+", verbose_name=_("giấy ủy quyền")
    )

    class Meta:
        verbose_name = _("nộp thay (đại diện)")
        verbose_name_plural = _("nộp thay (đại diện)")

    @property
    def relationship_label(self) -> str:
        return self.Relationship(self.relationship).label
