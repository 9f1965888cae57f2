"""``{% load numbers %}``: ``value|number`` and ``value|headline`` (see tuidang.numbers)."""

from django import template
from django.utils.html import format_html

from tuidang import numbers

register = template.Library()


@register.filter(name="number")
def number_filter(value: int | float | str | None, fraction_digits: int = 0) -> str:
    """``{{ total|number }}``, ``{{ rate|number:1 }}`` (one decimal)."""
    if value is None or value == "":
        return ""
    return numbers.number(
        float(value) if isinstance(value, str) else value, fraction_digits=int(fraction_digits)
    )


@register.filter(name="headline")
def headline_filter(value: int | None) -> str:
    """The headline figure in ``<data>``, with the exact number beside it when they differ
    (only in Chinese, hence the full-width brackets)."""
    value = value or 0
    short, exact = numbers.headline(value), numbers.number(value)
    if short == exact:
        return format_html('<data value="{}">{}</data>', value, exact)
    return format_html(
        '<data value="{}">{}</data><span class="exact">（{}）</span>', value, short, exact
    )
