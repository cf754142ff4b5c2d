"""Changes to a user's second factor and to a citizen's bound identity: one transaction each,
written to the audit chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from motcua.accounts import twofactor
from motcua.accounts.models import CitizenIdentity
from motcua.core import audit, text
from motcua.core.problems import InvalidInput, NotAllowed

DEVICE_NAME = "Ứng dụng xác thực"
RECOVERY_DEVICE_NAME = "Mã khôi phục"
RECOVERY_CODE_COUNT = 10


def start_totp_enrolment(user) -> TOTPDevice:
    """The user's pending (unconfirmed) device, created with a fresh key when there is none.
    Reused on reload so the QR code scanned a minute ago stays valid."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        return device


def confirm_totp_enrolment(user, device: TOTPDevice) -> None:
    """The user proved they hold the key: the device counts from now on."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
        audit.record("totp_enrolled", "auth.User", user.pk, actor=user, data={"device": device.pk})


def remove_totp(user) -> None:
    """A citizen turns the second factor off (officers may not: the views refuse it). The
    recovery codes go with it: they stand in for the app, not beside a password alone."""
    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit.record("totp_removed", "auth.User", user.pk, actor=user, data={"devices": deleted})


# --- recovery codes ----------------------------------------------------------------------
# One-time codes for the day the phone is lost (django-otp's static device: each code is
# deleted when used). Stored as django-otp stores them; a reader of the database could as
# well read the TOTP key itself, which cannot be hashed.


def format_recovery_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalize_recovery_code(raw: str) -> str:
    """What a person types ("ABCD-efgh", "abcd efgh") as the stored form."""
    return "".join(ch for ch in raw.lower() if ch.isalnum())


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def issue_recovery_codes(user) -> list[str]:
    """A new set of codes, replacing any earlier set; shown once, as returned."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes: set[str] = set()
        while len(codes) < RECOVERY_CODE_COUNT:
            codes.add(StaticToken.random_token())
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        audit.record(
            "recovery_codes_issued", "auth.User", user.pk, actor=user, data={"count": len(codes)}
        )
    return sorted(codes)


def use_recovery_code(user, raw: str) -> StaticDevice | None:
    """The device when `raw` is one of the user's unused codes, which is then spent. The
    delete decides: of two requests racing with one code, only one deletes its row."""
    device = recovery_device(user)
    if device is None:
        return None
    code = normalize_recovery_code(raw)
    with transaction.atomic():
        spent, _ = StaticToken.objects.filter(device=device, token=code).delete()
        if not spent:
            device.throttle_increment()
            return None
        device.throttle_reset()
        audit.record(
            "recovery_code_used",
            "auth.User",
            user.pk,
            actor=user,
            data={"left": StaticToken.objects.filter(device=device).count()},
        )
    return device


def record_failed_code(user, step: str) -> None:
    """A wrong code after a right password: someone may hold the password."""
    with transaction.atomic():
        audit.record("totp_failed", "auth.User", user.pk, actor=user, data={"step": step})


# --- citizen identity ------------------------------------------------------------------


class VneidRefused(Exception):
    """A VNeID login that must not open a session; str() is the Vietnamese reason."""


def _claim_text(claims: dict[str, Any], name: str, limit: int) -> str:
    value = claims.get(name)
    if not isinstance(value, str):
        return ""
    try:
        cleaned = text.clean_text(value)
    except text.NotNormalisable:
        return ""
    return cleaned[:limit]


def _claim_date(claims: dict[str, Any]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(claims.get("birthdate") or ""))
    except ValueError:
        return None


def vneid_login(claims: dict[str, Any]):
    """The account of the citizen VNeID vouched for (claims of a verified ID token): matched
    by their ID number, created on the first login, name and contacts refreshed from the
    claims. Officers and administrators never log in this way."""
    try:
        id_number = text.id_number(str(claims.get("so_dinh_danh") or ""))
    except text.NotNormalisable:
        id_number = ""
    name = _claim_text(claims, "name", 200)
    if not text.is_id_number(id_number) or len(id_number) != 12 or not name:
        raise VneidRefused("VNeID không trả về số định danh cá nhân hoặc họ tên hợp lệ.")
    email = _claim_text(claims, "email", 254)
    if email and "@" not in email:
        email = ""
    subject = _claim_text(claims, "sub", 255)
    officer = next(
        (
            i.user
            for i in CitizenIdentity.objects.select_related("user").filter(id_number=id_number)
            if twofactor.is_officer_or_staff(i.user)
        ),
        None,
    )
    if officer is not None:
        with transaction.atomic():
            audit.record("vneid_refused", "auth.User", officer.pk, data={"sub": subject})
        raise VneidRefused(OFFICER_REFUSED)
    profile = {
        "name": name,
        "email": email,
        "phone": _claim_text(claims, "phone_number", 20),
        "birthdate": _claim_date(claims),
        "subject": subject,
    }
    try:
        return _bind_vneid(id_number, profile)
    except IntegrityError:  # the same citizen's first login, a moment earlier, won the race
        return _bind_vneid(id_number, profile)


OFFICER_REFUSED = (
    "Tài khoản cán bộ, quản trị viên không đăng nhập bằng VNeID. "
    "Vui lòng đăng nhập bằng tên đăng nhập, mật khẩu và mã xác thực."
)


def _bind_vneid(id_number: str, profile: dict[str, Any]):
    with transaction.atomic():
        identity = (
            CitizenIdentity.objects.select_for_update()
            .select_related("user")
            .filter(id_number=id_number, source=CitizenIdentity.Source.VNEID)
            .first()
        )
        created = identity is None
        if created:
            user = User(username=f"vneid-{profile['subject'] or id_number}"[:150])
            user.set_unusable_password()
            user.save()
            identity = CitizenIdentity(
                user=user, id_number=id_number, source=CitizenIdentity.Source.VNEID
            )
        user = identity.user
        first, _, last = profile["name"].rpartition(" ")
        user.first_name, user.last_name = first[:150], last[:150]
        if profile["email"]:
            user.email = profile["email"]
        user.save(update_fields=["first_name", "last_name", "email"])
        identity.full_name = profile["name"]
        identity.phone = profile["phone"] or identity.phone
        identity.birthdate = profile["birthdate"] or identity.birthdate
        identity.subject = profile["subject"]
        identity.last_login_at = timezone.now()
        identity.save()
        # The subject, not the ID number: the audit chain is kept for years and read widely.
        audit.record(
            "vneid_login",
            "auth.User",
            user.pk,
            actor=user,
            data={"sub": profile["subject"], "new": created},
        )
    return user


def declare_identity(user, *, id_number: str, full_name: str) -> CitizenIdentity:
    """A local account states its holder's own ID number, once; it is locked from then on
    (only an administrator may correct it)."""
    id_number = id_number.strip()
    full_name = " ".join(full_name.split())
    if not text.is_id_number(id_number):
        raise InvalidInput(text.ID_NUMBER_SHAPE_MESSAGE, code="invalid_id_number")
    if not full_name:
        raise InvalidInput("Họ và tên không được để trống.", code="invalid_name")
    if twofactor.is_officer_or_staff(user):
        raise NotAllowed("Tài khoản cán bộ không khai báo định danh công dân.")
    with transaction.atomic():
        if CitizenIdentity.objects.select_for_update().filter(user=user).exists():
            raise InvalidInput(
                "Tài khoản đã gắn số định danh cá nhân; không thể khai báo lại.",
                code="identity_locked",
            )
        identity = CitizenIdentity.objects.create(
            user=user,
            id_number=id_number,
            full_name=full_name,
            source=CitizenIdentity.Source.DECLARED,
        )
        audit.record("identity_declared", "auth.User", user.pk, actor=user)
    return identity


def release_declared_identity(identity: CitizenIdentity, *, actor, reason: str) -> None:
    """An administrator corrects a declared ID number the only way the rules allow: the
    claim is removed (with the reason, audited) and the citizen declares again. A VNeID
    identity is proof, not a claim: it is never released here."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Vui lòng ghi lý do gỡ định danh.", code="reason_required")
    with transaction.atomic():
        locked = CitizenIdentity.objects.select_for_update().filter(pk=identity.pk).first()
        if locked is None:
            return
        if locked.source != CitizenIdentity.Source.DECLARED:
            raise NotAllowed("Định danh đã xác thực qua VNeID không gỡ được.")
        audit.record(
            "identity_released",
            "auth.User",
            locked.user_id,
            actor=actor,
            data={"id_number": locked.id_number, "reason": reason[:500]},
        )
        locked.delete()


# --- citizens' own accounts (until VNeID is the front door) ----------------------------


def sign_up(*, username: str, full_name: str, email: str, password: str) -> User:
    """A citizen account that cannot log in until its e-mail address is confirmed."""
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise InvalidInput("Địa chỉ thư điện tử này đã được dùng cho một tài khoản khác.")
        # As everywhere in Motcua: given name last, so get_full_name() reads naturally.
        first, _, last = full_name.rpartition(" ")
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username,
                    email=email,
                    password=password,
                    first_name=first[:150],
                    last_name=last[:150],
                    is_active=False,
                )
        except IntegrityError:
            raise InvalidInput("Tên đăng nhập này đã có người dùng.") from None
        audit.record("signup", "auth.User", user.pk, actor=user, data={"email": email})
        return user


def confirm_email(user: User) -> bool:
    """The holder of the mailbox opened the link: the account works from now on. False when
    it was already confirmed."""
    with transaction.atomic():
        updated = User.objects.filter(pk=user.pk, is_active=False).update(is_active=True)
        if updated:
            audit.record("email_confirmed", "auth.User", user.pk, actor=user, data={})
        return bool(updated)


# --- API tokens ---------------------------------------------------------------------------


def issue_token(user, actor=None) -> Token:
    """A new API key for `user`, replacing the one they had (rotation): the old key stops
    working in the same transaction."""
    with transaction.atomic():
        replaced = Token.objects.filter(user=user).delete()[0]
        token = Token.objects.create(user=user)
        audit.record(
            "api_token_rotated" if replaced else "api_token_issued",
            "auth.User",
            user.pk,
            actor=actor or user,
            data={"suffix": token.key[-4:]},
        )
        return token


def revoke_token(user, actor=None) -> bool:
    """The user's API key stops working (by themselves, or by an administrator)."""
    with transaction.atomic():
        deleted = Token.objects.filter(user=user).delete()[0]
        if deleted:
            audit.record("api_token_revoked", "auth.User", user.pk, actor=actor or user, data={})
        return bool(deleted)
