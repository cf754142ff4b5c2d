"""What the feedback app tells other systems, written in the transaction of the change.

- "notify.feedback" (handled by motcua.notify): the sender of a question, report or
  proposal given on the province's portal is told it was answered, and again when it is
  published with their consent; by e-mail and SMS as their contact says.
- "dvcqg.feedback_answer" (handled by motcua.dvcqg): an item that came from the national
  portal is answered back there instead (its sender reads the answer on the portal).
- "dvcqg.rating" (handled by motcua.dvcqg): each rating given in the province (online or at
  the counter) and each change of it, sent to the national portal so that its index counts
  it. One ordering key per dossier: a change never overtakes the rating it changes.

Plain values only (ISO times): the receiving apps map them onto their own formats.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.urls import reverse

from motcua.core import outbox
from motcua.feedback.models import Feedback, Rating, Source

NOTIFY_TOPIC = "notify.feedback"
PORTAL_ANSWER_TOPIC = "dvcqg.feedback_answer"
PORTAL_RATING_TOPIC = "dvcqg.rating"

# Notice kinds of motcua.notify.models.Kind.
ANSWERED, PUBLISHED = "feedback_answer", "feedback_public"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number as people type it: digits, maybe grouped by spaces, dots, dashes, brackets.
_PHONE = re.compile(r"\(?\+?\d[\d\s.\-()]{7,}\d")


def contact_parts(contact: str) -> tuple[str, str]:
    """The first e-mail address and the first phone number in a free-text contact."""
    email = _EMAIL.search(contact or "")
    rest = _EMAIL.sub(" ", contact or "")
    phone = _PHONE.search(rest)
    return (email.group(0) if email else ""), (phone.group(0).strip() if phone else "")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _notice(item: Feedback, kind: str, path: str) -> None:
    email, phone = contact_parts(item.submitter_contact)
    outbox.enqueue(
        NOTIFY_TOPIC,
        key=f"feedback:{item.pk}:{kind}",
        payload={
            "kind": kind,
            "feedback": {
                "id": item.pk,
                "kind_label": item.get_kind_display(),
                "received_at": _iso(item.received_at),
                "answered_at": _iso(item.answered_at),
                "agency_name": item.agency.name if item.agency_id else "",
                "submitter_name": item.submitter_name,
                "user_id": item.author_id,
                "email": email,
                "phone": phone,
                "dossier_code": item.dossier_code,
                "answer": item.answer,
                "url": f"{settings.MOTCUA_PUBLIC_URL}{path}",
            },
        },
    )


def answered(item: Feedback) -> None:
    """In the answer's transaction: tell the sender where they asked."""
    if item.source == Source.DVCQG:
        if not item.external_id:
            return
        outbox.enqueue(
            PORTAL_ANSWER_TOPIC,
            key=f"dvcqg-answer:{item.external_id}",
            payload={
                "question_id": item.external_id,
                "answer": item.answer,
                "answered_at": _iso(item.answered_at),
                "agency_identifier": item.agency.identifier if item.agency_id else "",
                "agency_name": item.agency.name if item.agency_id else "",
            },
        )
        return
    _notice(item, ANSWERED, reverse("feedback:mine"))


def published(item: Feedback) -> None:
    """In the publication's transaction (consent given): tell the sender it is public."""
    if item.source != Source.DVCQG:
        _notice(item, PUBLISHED, reverse("feedback:public"))


def rating_given(rating: Rating) -> None:
    """In the transaction of a rating given in the province, or of its change."""
    if rating.source not in (Source.ONLINE, Source.COUNTER) or rating.dossier_id is None:
        return
    dossier = rating.dossier
    outbox.enqueue(
        PORTAL_RATING_TOPIC,
        key=f"dvcqg-rating:{rating.pk}:{rating.revision}",
        ordering_key=f"dvcqg-rating:{dossier.code}",
        payload={
            "rating_id": rating.pk,
            "revision": rating.revision,
            "dossier_code": dossier.code,
            "national_code": dossier.national_id or "",
            "source": rating.source,
            "scores": rating.scores,
            "comment": rating.comment,
            "given_at": _iso(rating.received_at),
            "changed_at": _iso(rating.changed_at),
        },
    )
