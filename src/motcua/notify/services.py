"""Every change of the notify app: the fan-out of a dossier step into notices, the sending
of one notice, delivery receipts, citizens' choices and the officers' digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.core import audit, outbox
from motcua.core.problems import DomainError, InvalidInput
from motcua.core.text import vnd
from motcua.notify import channels, templating
from motcua.notify.models import ChannelKind, Kind, Notice, Preference, Receipt, Template

SEND_TOPIC = "notify.send"
CHANNELS = [c.value for c in ChannelKind]


def _local(value: str | None, with_time: bool = True) -> str:
    if not value:
        return ""
    when = timezone.localtime(dt.datetime.fromisoformat(value))
    return when.strftime("%H:%M %d/%m/%Y" if with_time else "%d/%m/%Y")


def values_for(payload: Mapping[str, Any]) -> dict[str, str]:
    """The placeholders of a dossier notice from its outbox payload."""
    dossier = payload["dossier"]
    data = payload.get("data") or {}
    items = data.get("items") if isinstance(data.get("items"), list) else []
    amount = data.get("amount_vnd")
    return {
        "ma_ho_so": dossier["code"],
        "nguoi_nop": dossier.get("applicant_name", ""),
        "thu_tuc": dossier.get("procedure_name", ""),
        "co_quan": dossier.get("agency_name", ""),
        "ngay_hen": _local(dossier.get("due_at")),
        "ngay_hen_moi": _local(data.get("new_due_at") or dossier.get("due_at")),
        "ly_do": payload.get("note", ""),
        "so_tien": f"{vnd(int(amount))} đồng" if isinstance(amount, int) else "",
        "giay_to": "; ".join(str(i.get("item", "")) for i in items if isinstance(i, dict)),
        "ma_ket_qua": dossier.get("result_code", ""),
        "tra_cuu": f"{settings.MOTCUA_PUBLIC_URL}/tra-cuu/",
    }


def preferences(user_id: int | None) -> dict[str, bool]:
    if user_id is None:
        return dict(Preference.DEFAULTS)
    row = Preference.objects.filter(user_id=user_id).values("email", "sms", "zalo").first()
    return row or dict(Preference.DEFAULTS)


@transaction.atomic
def set_preferences(user: User, *, email: bool, sms: bool, zalo: bool) -> Preference:
    pref, _ = Preference.objects.update_or_create(
        user=user, defaults={"email": email, "sms": sms, "zalo": zalo}
    )
    audit.record(
        "notify.preferences",
        "user",
        str(user.pk),
        actor=user,
        data={"email": email, "sms": sms, "zalo": zalo},
    )
    return pref


def _recipient(channel: str, dossier: Mapping[str, Any], user_id: int | None) -> str:
    if channel == ChannelKind.EMAIL:
        email = dossier.get("email") or ""
        if not email and user_id is not None:
            email = User.objects.filter(pk=user_id).values_list("email", flat=True).first() or ""
        return email
    return dossier.get("phone") or ""


def compose(template: Template, values: Mapping[str, str]) -> tuple[str, str, int]:
    """Subject, body and SMS segment count (0 for other channels)."""
    if template.channel == ChannelKind.SMS:
        body, parts = templating.render_sms(template.body, values)
        return "", body, parts
    subject = " ".join(templating.render(template.subject, values).split())
    return subject, templating.render(template.body, values), 0


def _queue(notice: Notice) -> None:
    outbox.enqueue(SEND_TOPIC, key=f"send:{notice.key}", payload={"notice": notice.pk})


def fan_out(key: str, payload: Mapping[str, Any]) -> list[Notice]:
    """One dossier step -> one notice per chosen, configured channel with a recipient,
    each queued for sending. Run again for the same message, it adds nothing."""
    dossier = payload["dossier"]
    return _fan_out(
        key,
        payload["kind"],
        values_for(payload),
        contact=dossier,
        user_id=dossier.get("applicant_id"),
        dossier_code=dossier["code"],
        event_id=payload.get("event_id"),
    )


def feedback_values(item: Mapping[str, Any]) -> dict[str, str]:
    """The placeholders of a feedback notice from its outbox payload."""
    return {
        "nguoi_gui": item.get("submitter_name", ""),
        "loai": str(item.get("kind_label", "")).lower(),
        "ngay_gui": _local(item.get("received_at"), with_time=False),
        "ngay_tra_loi": _local(item.get("answered_at"), with_time=False),
        "co_quan": item.get("agency_name", ""),
        "ma_ho_so": item.get("dossier_code", ""),
        "tra_loi": item.get("answer", ""),
        "xem_tai": item.get("url", ""),
    }


def fan_out_feedback(key: str, payload: Mapping[str, Any]) -> list[Notice]:
    """A question, report or proposal answered (or published) -> notices to its sender on
    the channels their contact gives (an e-mail address, a mobile number), as the citizen's
    account prefers; the account's e-mail when the contact has none."""
    item = payload["feedback"]
    phone = item.get("phone") or ""
    contact = {"email": item.get("email") or "", "phone": phone if channels.msisdn(phone) else ""}
    return _fan_out(
        key,
        payload["kind"],
        feedback_values(item),
        contact=contact,
        user_id=item.get("user_id"),
        dossier_code=item.get("dossier_code") or "",
        event_id=None,
    )


def _fan_out(
    key: str,
    kind: str,
    values: Mapping[str, str],
    *,
    contact: Mapping[str, Any],
    user_id: int | None,
    dossier_code: str,
    event_id: int | None,
) -> list[Notice]:
    chosen = preferences(user_id)
    templates = {
        t.channel: t for t in Template.objects.filter(kind=kind, active=True) if t.channel in chosen
    }
    wanted = []
    for channel in CHANNELS:
        template = templates.get(channel)
        recipient = _recipient(channel, contact, user_id)
        if not (chosen.get(channel) and template and recipient and channels.enabled(channel)):
            continue
        subject, body, parts = compose(template, values)
        wanted.append(
            Notice(
                key=f"{key}:{channel}",
                kind=kind,
                channel=channel,
                dossier_code=dossier_code,
                event_id=event_id,
                user_id_ref=user_id,
                recipient=recipient[:254],
                subject=subject[:300],
                body=body,
                segments=parts,
            )
        )
    if not wanted:
        return []
    with transaction.atomic():
        # One query for what an earlier run of this message made, one insert for the rest.
        done = set(Notice.objects.filter(key__in=[n.key for n in wanted]).values_list("key"))
        made = Notice.objects.bulk_create([n for n in wanted if (n.key,) not in done])
        if made and made[0].pk is None:  # backends that return no ids (not ours): read them
            made = list(Notice.objects.filter(key__in=[n.key for n in made]))
        for notice in made:
            _queue(notice)
    return made


def send(notice_id: int) -> Notice | None:
    """Hand one notice to its channel's provider. Locked while sending, so a receipt that
    arrives before the answer waits for it; sent once (a redelivered outbox message finds
    the notice no longer queued)."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None or notice.status != Notice.Status.QUEUED:
            return notice
        adapter = channels.adapter(notice.channel)
        if adapter is None:
            notice.status = Notice.Status.FAILED
            notice.error = f"Kênh {notice.get_channel_display()} chưa được cấu hình."
            notice.save(update_fields=["status", "error"])
            return notice
        failure: Exception | None = None
        try:
            provider_id = adapter.send(notice)
        except channels.Refused as exc:
            notice.status = Notice.Status.FAILED
            notice.error = str(exc)[:2000]
            notice.save(update_fields=["status", "error"])
            failure = outbox.Undeliverable(str(exc))
        except Exception as exc:  # noqa: BLE001 - kept on the notice, then retried
            notice.error = str(exc)[:2000]
            notice.save(update_fields=["error"])
            failure = exc
        else:
            notice.status = Notice.Status.SENT
            notice.provider_message_id = provider_id[:100]
            notice.sent_at = timezone.now()
            notice.error = ""
            notice.save(update_fields=["status", "provider_message_id", "sent_at", "error"])
    # Raised outside the block, so what the notice says about the failure is kept.
    if failure is not None:
        raise failure
    return notice


def resend(notice_id: int, *, actor: User) -> Notice:
    """A failed notice, sent again as a new notice (the provider refused or lost the first:
    a new client reference, the same text and recipient). Once per failure: a notice
    already sent again is refused, and its retry is the one to resend if it fails too."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None:
            raise InvalidInput("Không tìm thấy thông báo.", code="notice_not_found")
        if notice.status != Notice.Status.FAILED:
            raise DomainError(
                f"Thông báo {notice.pk} đang ở trạng thái “{notice.get_status_display()}”: "
                "chỉ gửi lại thông báo không gửi được.",
                code="notice_not_failed",
            )
        if Notice.objects.filter(retry_of=notice).exists():
            raise DomainError(
                f"Thông báo {notice.pk} đã được gửi lại; nếu lần gửi lại cũng lỗi, hãy gửi lại "
                "thông báo đó.",
                code="notice_already_resent",
            )
        depth = 1
        first = notice
        while first.retry_of_id is not None:
            first = Notice.objects.get(pk=first.retry_of_id)
            depth += 1
        retry = Notice.objects.create(
            key=f"{first.key}:r{depth}"[:160],
            kind=notice.kind,
            channel=notice.channel,
            dossier_code=notice.dossier_code,
            event_id=notice.event_id,
            user_id_ref=notice.user_id_ref,
            recipient=notice.recipient,
            subject=notice.subject,
            body=notice.body,
            segments=notice.segments,
            retry_of=notice,
        )
        audit.record(
            "notice_resent",
            "notify.Notice",
            notice.pk,
            actor=actor,
            data={"retry": retry.pk, "channel": notice.channel, "error": notice.error[:200]},
        )
        _queue(retry)
    return retry


FINAL = {"delivered": Notice.Status.DELIVERED, "failed": Notice.Status.FAILED,
         "expired": Notice.Status.FAILED}  # fmt: skip


def record_receipt(
    provider: str,
    receipt_id: str,
    *,
    status: str,
    message_id: str = "",
    reference: str = "",
    at: dt.datetime | None = None,
    error: str = "",
    raw: dict | None = None,
) -> str:
    """Apply a delivery receipt once. Returns "recorded", "duplicate" (this receipt was
    seen before: nothing changes) or "unmatched" (kept, names no notice of ours). A final
    state is never overwritten: a late or reordered receipt cannot undo "delivered"."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                receipt = Receipt.objects.create(
                    provider=provider, receipt_id=receipt_id, status=status, at=at, raw=raw or {}
                )
        except IntegrityError:
            return "duplicate"
        notices = Notice.objects.select_for_update().filter(channel=provider)
        notice = None
        if reference:
            notice = notices.filter(key=reference).first()
        if notice is None and message_id:
            notice = notices.filter(provider_message_id=message_id).first()
        if notice is None:
            return "unmatched"
        receipt.notice = notice
        receipt.save(update_fields=["notice"])
        if notice.status in (Notice.Status.QUEUED, Notice.Status.SENT) and status in FINAL:
            notice.status = FINAL[status]
            if notice.status == Notice.Status.DELIVERED:
                notice.delivered_at = at or timezone.now()
            else:
                notice.error = error or status
            if not notice.provider_message_id and message_id:
                notice.provider_message_id = message_id
            notice.save()
        return "recorded"


# --- officers' digest of overdue steps -------------------------------------------------


def overdue_digest(now: dt.datetime | None = None) -> int:
    """Tell each officer, once a day, which of their open steps are past due (unassigned
    steps: the leaders of the step's agency). Returns the number of notices queued; run
    twice the same day, it queues nothing new."""
    from motcua.catalog.models import Officer
    from motcua.dossiers.models import DossierStep

    now = now or timezone.now()
    if not channels.enabled(ChannelKind.EMAIL):
        return 0
    template = Template.objects.filter(
        kind=Kind.OVERDUE_DIGEST, channel=ChannelKind.EMAIL, active=True
    ).first()
    if template is None:
        return 0
    rows = (
        DossierStep.objects.filter(finished_at__isnull=True, due_at__lt=now)
        .select_related("dossier")
        .order_by("due_at")
    )
    leaders: dict[int, list[int]] = {}
    per_user: dict[int, list[DossierStep]] = {}
    for row in rows:
        if row.assignee_id is not None:
            per_user.setdefault(row.assignee_id, []).append(row)
            continue
        if row.agency_id not in leaders:
            leaders[row.agency_id] = list(
                Officer.objects.filter(
                    agency_id=row.agency_id, role=Officer.Role.LEADER
                ).values_list("user_id", flat=True)
            )
        for user_id in leaders[row.agency_id]:
            per_user.setdefault(user_id, []).append(row)
    today = timezone.localdate(now)
    queued = 0
    users = User.objects.in_bulk(list(per_user))
    with transaction.atomic():
        for user_id, steps in per_user.items():
            user = users.get(user_id)
            if user is None or not user.email or not user.is_active:
                continue
            lines = [
                f"- {s.dossier.code}: {s.name} (hạn {_local(s.due_at.isoformat())})" for s in steps
            ]
            values = {
                "can_bo": user.get_full_name() or user.username,
                "so_buoc": str(len(steps)),
                "danh_sach": "\n".join(lines),
                "ngay": today.strftime("%d/%m/%Y"),
            }
            subject, body, _ = compose(template, values)
            notice, created = Notice.objects.get_or_create(
                key=f"digest:{today.isoformat()}:{user_id}",
                defaults={
                    "kind": Kind.OVERDUE_DIGEST,
                    "channel": ChannelKind.EMAIL,
                    "user_id_ref": user_id,
                    "recipient": user.email,
                    "subject": subject[:300],
                    "body": body,
                },
            )
            if created:
                _queue(notice)
                queued += 1
    return queued
