"""Changes made from the desk's own pages (not dossier state: that is dossiers.services).

Saved filters are an officer's personal shortcuts, like a bookmark: no event, audit entry
or outbox message, since nothing about a dossier or a citizen changes.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib.auth.models import User
from django.db import transaction

from motcua.desk.models import SavedFilter

MAX_FILTERS = 30  # per officer; the list is shown on every queue page
# Only the list's own parameters are kept (never a page number or an export flag).
FILTER_PARAMS = frozenset(
    [
        "q",
        "thu_tuc",
        "linh_vuc",
        "kenh",
        "trang_thai",
        "buoc",
        "can_bo",
        "nhan_tu",
        "nhan_den",
        "han_tu",
        "han_den",
        "sap_den_han",
        "qua_han",
        "cua_toi",
    ]
)


class TooManyFilters(ValueError):
    pass


def clean_query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k in FILTER_PARAMS]
    return urlencode(pairs)


@transaction.atomic
def save_filter(user: User, name: str, query: str) -> SavedFilter:
    """Create or replace the officer's filter of that name."""
    query = clean_query(query)
    existing = SavedFilter.objects.select_for_update().filter(user=user, name=name).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query"])
        return existing
    if SavedFilter.objects.filter(user=user).count() >= MAX_FILTERS:
        raise TooManyFilters(f"Mỗi cán bộ lưu tối đa {MAX_FILTERS} bộ lọc; hãy xóa bớt bộ lọc cũ.")
    return SavedFilter.objects.create(user=user, name=name, query=query)


def delete_filter(user: User, pk: int) -> bool:
    deleted, _ = SavedFilter.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)
