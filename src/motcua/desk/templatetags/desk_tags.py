from django import template

register = template.Library()


@register.filter
def getfield(form, name: str):
    """form|getfield:"name": a bound field by a name held in a variable."""
    return form[name]
