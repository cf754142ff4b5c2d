"""Administrative units, agencies, and the procedure catalogue (data an administrator edits)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.calendar import LIMIT_DAYS, LIMIT_HOURS, LIMIT_IN_DAY
from motcua.core.codes import validate_agency_identifier
from motcua.core.collation import sort_key
from motcua.core.text import fold, working_days


class VietnameseOrder(models.Model):
    """A `sort_key` column kept from `name` on every save (motcua.core.collation), so lists
    are ordered in Vietnamese alphabetical order by the database, paginated or not. Bulk
    inserts set it themselves; db_default covers raw SQL loaders."""

    sort_key = models.CharField(
        _("khóa sắp xếp"), max_length=2000, editable=False, default="", db_default="", db_index=True
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.sort_key = sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_key"}
        super().save(*args, **kwargs)


class AdministrativeUnit(VietnameseOrder):
    """A node of the administrative tree (province, commune/ward/special zone). Since
    07/2025 there are two tiers, but the tree is data, not fixed tiers."""

    code = models.CharField(_("mã"), max_length=16, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    division_type = models.CharField(_("loại"), max_length=64)
    codename = models.CharField(max_length=200, blank=True, verbose_name=_("tên mã"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("trực thuộc"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")

    def __str__(self) -> str:
        return self.name


class Agency(VietnameseOrder):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Cấp tỉnh")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        COMMUNE = "commune", _("Cấp xã")

    identifier = models.CharField(
        _("mã định danh"), max_length=35, unique=True, validators=[validate_agency_identifier]
    )
    name = models.CharField(_("tên cơ quan"), max_length=255)
    short_key = models.SlugField(_("khóa ngắn"), max_length=64, blank=True)
    level = models.CharField(_("cấp"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("cơ quan cấp trên"),
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("địa bàn"),
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    province_code = models.CharField(max_length=8, db_index=True, verbose_name=_("mã tỉnh"))
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")

    def __str__(self) -> str:
        return self.name


class Field(VietnameseOrder):
    """Lĩnh vực: the area a procedure belongs to (Hộ tịch, Xây dựng, ...)."""

    code = models.SlugField(max_length=64, unique=True, verbose_name=_("mã"))
    name = models.CharField(_("tên lĩnh vực"), max_length=200)

    class Meta:
        ordering = ["sort_key", "name"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")

    def __str__(self) -> str:
        return self.name


class TimeLimitKind(models.TextChoices):
    WORKING_DAYS = LIMIT_DAYS, _("ngày làm việc")
    WORKING_HOURS = LIMIT_HOURS, _("giờ làm việc")
    IN_DAY = LIMIT_IN_DAY, _("trong ngày")


def time_limit_label(kind: str, processing_days: Decimal, hours: int | None) -> str:
    """A time limit as form 01 states it."""
    if kind == TimeLimitKind.IN_DAY:
        return "Trong ngày"
    if kind == TimeLimitKind.WORKING_HOURS:
        return f"{hours} giờ làm việc"
    return f"{working_days(processing_days)} ngày làm việc"


class Procedure(VietnameseOrder):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Cấp tỉnh")
        COMMUNE = "commune", _("Cấp xã")

    class OnlineLevel(models.TextChoices):
        FULL = "full", _("Toàn trình")
        PARTIAL = "partial", _("Một phần")

    code = models.CharField(_("mã thủ tục"), max_length=32, unique=True)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    search_text = models.TextField(editable=False, default="", verbose_name=_("văn bản tìm kiếm"))
    field = models.ForeignKey(
        Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="procedures"
    )
    level = models.CharField(_("cấp thực hiện"), max_length=10, choices=Level.choices)
    online_level = models.CharField(
        _("mức độ dịch vụ công trực tuyến"), max_length=10, choices=OnlineLevel.choices
    )
    processing_days = models.DecimalField(
        _("thời hạn giải quyết (ngày làm việc)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    fee_vnd = models.PositiveBigIntegerField(_("phí (đồng)"), default=0)
    charge_vnd = models.PositiveBigIntegerField(_("lệ phí (đồng)"), default=0)
    fee_note = models.CharField(_("ghi chú phí, lệ phí"), max_length=500, blank=True)
    result_type = models.CharField(_("kết quả"), max_length=300)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    # What the national catalogue publishes for every procedure, shown on its page.
    steps = models.TextField(_("trình tự thực hiện"), blank=True, help_text=_("Mỗi bước một dòng."))
    applicants = models.TextField(_("đối tượng thực hiện"), blank=True)
    conditions = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures",
        help_text=_("Để trống với thủ tục cấp xã: mỗi UBND cấp xã thực hiện."),
    )
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    # The procedure's code in the national catalogue (MaTTHC), when it differs from `code`:
    # dossiers filed on the national portal are mapped by it (empty: `code` is the MaTTHC).
    national_code = models.CharField(
        _("mã thủ tục quốc gia"),
        max_length=32,
        blank=True,
        default="",
        db_index=True,
        help_text=_("Để trống khi mã thủ tục trùng mã trên Cổng Dịch vụ công quốc gia."),
    )
    # NĐ 118/2025: a time limit is a number of working days, of working hours, or "in the
    # day" (received before 15:00 -> that day's close, after -> the next working day's).
    time_limit_kind = models.CharField(
        _("thời hạn tính theo"),
        max_length=16,
        choices=TimeLimitKind.choices,
        default=TimeLimitKind.WORKING_DAYS,
    )
    time_limit_hours = models.PositiveSmallIntegerField(
        _("thời hạn (giờ làm việc)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Chỉ dùng khi thời hạn tính theo giờ làm việc."),
    )
    # The version dossiers are filed under now (ProcedureVersion); set by the catalogue
    # services, never edited by hand.
    current_version = models.ForeignKey(
        "ProcedureVersion",
        verbose_name=_("phiên bản đang áp dụng"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["sort_key", "code"]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.search_text = fold(f"{self.code} {self.name} {self.field.name}")
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            # current_version is moved only by catalog.services (with its own UPDATE): an
            # edit from an instance loaded before a dossier made version 1 must not undo it.
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "current_version"
            ]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.time_limit_kind == TimeLimitKind.WORKING_HOURS and not self.time_limit_hours:
            raise ValidationError(
                {"time_limit_hours": _("Cần số giờ làm việc khi thời hạn tính theo giờ.")}
            )

    @property
    def time_limit_label(self) -> str:
        """The time limit as form 01 states it."""
        return time_limit_label(self.time_limit_kind, self.processing_days, self.time_limit_hours)

    @property
    def total_fee_vnd(self) -> int:
        return self.fee_vnd + self.charge_vnd


class Component(models.Model):
    """Thành phần hồ sơ: one document the applicant must provide."""

    class CopyKind(models.TextChoices):
        # What the procedure asks for, printed per paper on form 01 (TT 03/2025).
        ORIGINAL = "original", _("Bản chính")
        COPY = "copy", _("Bản sao")
        CERTIFIED = "certified", _("Bản sao chứng thực")
        COPY_WITH_ORIGINAL = "copy_with_original", _("Bản sao kèm bản chính để đối chiếu")

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="components", verbose_name=_("thủ tục")
    )
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    copies = models.PositiveSmallIntegerField(_("số bản"), default=1)
    copy_kind = models.CharField(
        _("bản chính / bản sao"), max_length=20, choices=CopyKind.choices, default=CopyKind.ORIGINAL
    )
    required = models.BooleanField(_("bắt buộc"), default=True)
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("thứ tự"))

    class Meta:
        ordering = ["procedure", "order", "id"]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name


class FormTemplate(models.Model):
    """A form (mẫu đơn, tờ khai) the applicant downloads from the procedure's page; the file
    is stored by Motcua and served from its own address, not linked elsewhere."""

    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("thủ tục"),
        on_delete=models.CASCADE,
        related_name="form_templates",
    )
    name = models.CharField(_("tên mẫu"), max_length=300)
    file = models.FileField(_("tệp mẫu"), upload_to="mau-don/", max_length=300)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["procedure", "order", "id"]
        verbose_name = _("mẫu đơn, tờ khai")
        verbose_name_plural = _("mẫu đơn, tờ khai")

    def __str__(self) -> str:
        return self.name


class SearchTerm(models.Model):
    """An abbreviation or everyday name people type ("GPXD", "sổ đỏ") and the words of the
    catalogue it stands for. Kept as data so administrators add new ones without a release."""

    term = models.CharField(
        _("từ viết tắt, từ đồng nghĩa"),
        max_length=100,
        unique=True,
        help_text=_("Ví dụ: GPXD, CCCD, sổ đỏ. Không phân biệt chữ hoa, có dấu hay không."),
    )
    expansion = models.CharField(
        _("tìm như"),
        max_length=300,
        help_text=_("Cụm từ trong tên thủ tục, ví dụ: giấy phép xây dựng."),
    )

    class Meta:
        ordering = ["term"]
        verbose_name = _("từ khóa tìm kiếm")
        verbose_name_plural = _("từ khóa tìm kiếm")

    def __str__(self) -> str:
        return f"{self.term} → {self.expansion}"


class Officer(models.Model):
    """A staff account's place: which agency, which role. Citizens have no Officer row."""

    class Role(models.TextChoices):
        DESK = "desk", _("Cán bộ một cửa")
        SPECIALIST = "specialist", _("Chuyên viên xử lý")
        LEADER = "leader", _("Lãnh đạo")

    user = models.OneToOneField(
        "auth.User", on_delete=models.CASCADE, related_name="officer", verbose_name=_("tài khoản")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="officers", verbose_name=_("cơ quan")
    )
    role = models.CharField(_("vai trò"), max_length=12, choices=Role.choices)
    title = models.CharField(_("chức danh"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cán bộ")
        verbose_name_plural = _("cán bộ")

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.get_role_display()})"


class ServiceCentre(models.Model):
    """The unit that receives dossiers and returns results (NĐ 118/2025): the province's
    Trung tâm Phục vụ hành chính công, its branches, or a commune's Bộ phận Một cửa.
    Its name heads the forms; it keeps the register (form 07) of the agencies it serves."""

    name = models.CharField(
        _("tên đơn vị"),
        max_length=255,
        help_text=_("In ở đầu các phiếu, ví dụ: Trung tâm Phục vụ hành chính công tỉnh Ninh Bình"),
    )
    parent_line = models.CharField(
        _("cơ quan chủ quản"),
        max_length=255,
        blank=True,
        help_text=_("Dòng trên tên đơn vị, ví dụ: UBND TỈNH NINH BÌNH"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("thuộc trung tâm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
        help_text=_("Để trống với trung tâm cấp tỉnh; chọn trung tâm với chi nhánh."),
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("địa danh"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Địa danh ghi ở dòng ngày tháng của phiếu."),
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=40, blank=True)
    book_code = models.SlugField(
        _("ký hiệu sổ theo dõi"),
        max_length=20,
        unique=True,
        help_text=_("Ghi trên quyển số, ví dụ TTPVHCC: quyển số TTPVHCC-2026."),
    )
    agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("cơ quan được phục vụ"),
        related_name="service_centres",
        blank=True,
        help_text=_("Hồ sơ của các cơ quan này được tiếp nhận, vào sổ và trả kết quả tại đây."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["parent_id", "name"]
        verbose_name = _("trung tâm phục vụ hành chính công")
        verbose_name_plural = _("trung tâm phục vụ hành chính công, chi nhánh")

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    """A service centre's opening hours on one weekday (a morning and an afternoon window).
    A centre with rows here is open on those weekdays only (a Saturday morning is one row);
    a centre without rows keeps the province's hours (MOTCUA_WORK_WINDOWS, Monday–Friday).
    Deadlines of the dossiers of the agencies it serves are counted in these hours."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Thứ Hai")
        TUESDAY = 1, _("Thứ Ba")
        WEDNESDAY = 2, _("Thứ Tư")
        THURSDAY = 3, _("Thứ Năm")
        FRIDAY = 4, _("Thứ Sáu")
        SATURDAY = 5, _("Thứ Bảy")
        SUNDAY = 6, _("Chủ nhật")

    centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("trung tâm"), on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(_("thứ"), choices=Weekday.choices)
    morning_start = models.TimeField(_("sáng từ"), null=True, blank=True)
    morning_end = models.TimeField(_("sáng đến"), null=True, blank=True)
    afternoon_start = models.TimeField(_("chiều từ"), null=True, blank=True)
    afternoon_end = models.TimeField(_("chiều đến"), null=True, blank=True)

    class Meta:
        ordering = ["centre", "weekday"]
        verbose_name = _("giờ làm việc")
        verbose_name_plural = _("giờ làm việc")
        constraints = [
            models.UniqueConstraint(fields=["centre", "weekday"], name="catalog_hours_day")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()}: " + ", ".join(
            f"{a:%H:%M}–{b:%H:%M}" for a, b in self.windows()
        )

    def windows(self) -> list:
        pairs = [
            (self.morning_start, self.morning_end),
            (self.afternoon_start, self.afternoon_end),
        ]
        return [(a, b) for a, b in pairs if a is not None and b is not None]

    def clean(self) -> None:
        super().clean()
        pairs = [
            (self.morning_start, self.morning_end),
            (self.afternoon_start, self.afternoon_end),
        ]
        if any((a is None) != (b is None) for a, b in pairs):
            raise ValidationError(_("Mỗi buổi cần cả giờ bắt đầu và giờ kết thúc."))
        windows = self.windows()
        if not windows:
            raise ValidationError(_("Cần ít nhất một buổi làm việc."))
        if any(a >= b for a, b in windows):
            raise ValidationError(_("Giờ kết thúc phải sau giờ bắt đầu."))
        if len(windows) == 2 and windows[1][0] < windows[0][1]:
            raise ValidationError(_("Buổi chiều phải bắt đầu sau khi buổi sáng kết thúc."))


class ProcessVersion(models.Model):
    """A procedure's internal electronic process (quy trình nội bộ, NĐ 118/2025) as the
    province approved it. Versions are edited as drafts and published; one is current.
    A dossier keeps the version current at its receipt, so a later edit never changes
    the steps of a dossier already being worked on."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        PUBLISHED = "published", _("Đang áp dụng")
        RETIRED = "retired", _("Đã thay thế")

    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("thủ tục"),
        on_delete=models.PROTECT,
        related_name="process_versions",
    )
    number = models.PositiveSmallIntegerField(_("phiên bản"))
    state = models.CharField(
        _("tình trạng"), max_length=10, choices=State.choices, default=State.DRAFT
    )
    decision = models.CharField(
        _("quyết định phê duyệt"),
        max_length=200,
        blank=True,
        help_text=_("Số, ngày quyết định của UBND tỉnh phê duyệt quy trình nội bộ."),
    )
    note = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    published_at = models.DateTimeField(_("áp dụng từ"), null=True, blank=True)

    class Meta:
        ordering = ["procedure", "-number"]
        verbose_name = _("quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="catalog_process_procedure_number"
            ),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=models.Q(state="published"),
                name="catalog_process_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} – quy trình v{self.number} ({self.get_state_display()})"


class ProcessStep(models.Model):
    """One step of a process. Steps run in `order`; consecutive steps sharing a
    `parallel_group` run together and the next step waits for all of them."""

    class Kind(models.TextChoices):
        WORK = "work", _("Xử lý, thẩm định")
        DRAFT = "draft", _("Dự thảo kết quả (kèm tệp)")
        REVIEW = "review", _("Xem xét (có thể trả lại)")
        OPINION = "opinion", _("Lấy ý kiến, phối hợp (liên thông)")
        SIGN = "sign", _("Ký duyệt kết quả")
        ISSUE = "issue", _("Ban hành kết quả")

    version = models.ForeignKey(
        ProcessVersion,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("phiên bản quy trình"),
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên bước"), max_length=200)
    kind = models.CharField(_("loại bước"), max_length=8, choices=Kind.choices)
    role = models.CharField(_("người thực hiện"), max_length=12, choices=Officer.Role.choices)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Để trống: cơ quan giải quyết hồ sơ. Chọn cơ quan khác với bước liên thông."),
    )
    budget_hours = models.DecimalField(
        _("thời hạn (giờ làm việc)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    parallel_group = models.CharField(
        _("nhóm song song"),
        max_length=16,
        blank=True,
        help_text=_("Các bước liền nhau cùng nhóm chạy song song; để trống: tuần tự."),
    )

    class Meta:
        ordering = ["version", "order"]
        verbose_name = _("bước quy trình")
        verbose_name_plural = _("các bước quy trình")
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="catalog_step_version_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    @property
    def budget_minutes(self) -> int:
        return int((self.budget_hours * 60).to_integral_value())


class ProcedureVersion(models.Model):
    """One version of a procedure as the province applied it: a snapshot of what dossiers
    filed under it were bound to (name, time limit, fees, legal basis, result, components),
    from an effective date. Version 1 is the procedure as it stood before any national
    change was accepted; each accepted national version adds the next number. A dossier
    keeps the version current when it was filed (Dossier.procedure_version)."""

    class Source(models.TextChoices):
        LOCAL = "local", _("Danh mục của tỉnh")
        NATIONAL = "national", _("Cổng Dịch vụ công quốc gia")

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("phiên bản"))
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices)
    national_version = models.PositiveIntegerField(
        _("phiên bản trên Cổng quốc gia"), null=True, blank=True
    )
    effective_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    snapshot = models.JSONField(_("nội dung thủ tục"), default=dict)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        "auth.User",
        verbose_name=_("người áp dụng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["procedure", "-number"]
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="catalog_procversion_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} – {self.label}"

    @property
    def label(self) -> str:
        """As the desk page prints it: "phiên bản 2 (…), hiệu lực từ 01/07/2025"."""
        text = f"phiên bản {self.number}"
        if self.national_version:
            text += f" (Cổng DVC quốc gia phiên bản {self.national_version})"
        if self.effective_from:
            text += f", hiệu lực từ {self.effective_from:%d/%m/%Y}"
        return text


class NationalProcedureVersion(models.Model):
    """A stored copy of one version of a procedure of the national catalogue (MaTTHC +
    PhienBan), pulled by motcua.dvcqg.catalogue, and what the province did with it. The
    version in force (or coming into force) of a procedure the province has, and that
    differs from it, waits as a pending change with its field-by-field diff until an
    administrator accepts it (catalog.services.accept_national_version) or rejects it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ duyệt")
        ACCEPTED = "accepted", _("Đã áp dụng")
        REJECTED = "rejected", _("Đã từ chối")
        SAME = "same", _("Trùng với danh mục của tỉnh")
        SUPERSEDED = "superseded", _("Đã có phiên bản mới hơn")
        HISTORICAL = "historical", _("Đã hết hiệu lực")
        UNMAPPED = "unmapped", _("Tỉnh chưa có thủ tục này")

    national_code = models.CharField(_("mã thủ tục quốc gia"), max_length=64)
    version = models.PositiveIntegerField(_("phiên bản"))
    name = models.CharField(_("tên thủ tục"), max_length=1000)
    effective_from = models.DateField(_("hiệu lực từ"))
    effective_until = models.DateField(_("hết hiệu lực từ"), null=True, blank=True)
    # The comparable fields in the catalogue's own terms (see catalog.services.SYNC_FIELDS);
    # `raw` is the record exactly as the portal sent it.
    data = models.JSONField(_("nội dung"), default=dict)
    raw = models.JSONField(_("bản ghi gốc"), default=dict)
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("thủ tục của tỉnh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="national_versions",
    )
    state = models.CharField(_("tình trạng"), max_length=12, choices=State.choices)
    # [{"field", "label", "local", "national"}], computed against the local procedure when
    # the version arrived (and again when it is decided).
    diff = models.JSONField(_("thay đổi"), default=list)
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)
    decided_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "auth.User",
        verbose_name=_("người duyệt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    applied_version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("phiên bản đã tạo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["national_code", "-version"]
        verbose_name = _("thủ tục trên Cổng DVC quốc gia")
        verbose_name_plural = _("thủ tục trên Cổng DVC quốc gia (đồng bộ danh mục)")
        constraints = [
            models.UniqueConstraint(
                fields=["national_code", "version"], name="catalog_national_code_version"
            )
        ]
        indexes = [
            models.Index(
                fields=["national_code"],
                condition=models.Q(state="pending"),
                name="catalog_national_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.national_code} phiên bản {self.version}"
