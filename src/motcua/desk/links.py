"""Addresses of the desk's pages written for many rows at once."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.urls import reverse

URL_SAFE = "!$&'()*+,;=/~:@"  # what django.urls.reverse leaves unquoted


def dossier_href() -> Callable[[str], str]:
    """code -> reverse("desk:dossier", args=[code]), with one reverse() for a page of rows
    (the code quoted as reverse() quotes it)."""
    head, tail = reverse("desk:dossier", args=["0"]).rsplit("0", 1)

    def href(code: str) -> str:
        return f"{head}{quote(code, safe=URL_SAFE)}{tail}"

    return href
