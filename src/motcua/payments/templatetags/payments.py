from django import template

from motcua.core.text import vnd as _vnd

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """75000 -> 75.000 (Vietnamese thousands)."""
    try:
        return _vnd(int(amount))
    except (TypeError, ValueError):
        return ""
