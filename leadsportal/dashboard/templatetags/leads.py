"""Template filters that show the API's values the way a French agent reads them."""

from __future__ import annotations

from datetime import datetime

from django import template

from leadsportal.dashboard import formatting, labels
from leadsportal.leads_api import Classified
from leadsportal.lib.phones import phone_dial, phone_display

register = template.Library()


@register.filter
def euros(value: float | None) -> str:
    return formatting.price(value)


@register.filter
def square_metres(value: float | None) -> str:
    return formatting.surface(value)


@register.filter
def paris_datetime(value: datetime | None) -> str:
    return formatting.paris_datetime(value)


@register.filter
def paris_date(value: datetime | None) -> str:
    return formatting.paris_date(value)


@register.filter
def phone(number: str) -> str:
    """The number as every page shows it (`06 12 34 56 78`)."""
    return phone_display(number)


@register.filter
def tel(number: str) -> str:
    """What a `tel:` link dials (E.164), or "" when the text is no phone number."""
    return phone_dial(number) or ""


@register.filter
def portal_name(code: str | None) -> str:
    return labels.portal_label(code)


@register.filter
def listing_transaction(listing: Classified) -> str:
    return labels.label(labels.TRANSACTIONS, listing.transaction_type)


_LABELS = {
    "lead_type": labels.LEAD_TYPES,
    "estate_type": labels.ESTATE_TYPES,
    "transaction": labels.TRANSACTIONS,
    "timeframe": labels.SALE_TIMEFRAMES,
    "intention": labels.INTENTIONS,
    "gender": labels.GENDERS,
    "phone_type": labels.PHONE_TYPES,
    "call_status": labels.CALL_STATUSES,
}


@register.filter
def call_duration(seconds: int | None) -> str:
    return formatting.call_duration(seconds)


@register.filter
def yes_no(value: bool | None) -> str:
    return formatting.yes_no(value)


@register.filter
def label_of(code: str | None, kind: str) -> str:
    """`{{ lead.meta.intention|label_of:"intention" }}`: the French label of an API code."""
    return labels.label(_LABELS[kind], None if code is None else str(code))  # type: ignore[arg-type]


@register.simple_tag
def price_range(low: float | None, high: float | None) -> str:
    return formatting.bounds(formatting.price(low, empty=""), formatting.price(high, empty=""))


@register.simple_tag
def area_range(low: float | None, high: float | None) -> str:
    return formatting.bounds(formatting.surface(low, empty=""), formatting.surface(high, empty=""))


@register.simple_tag
def count_range(low: int | None, high: int | None) -> str:
    return formatting.bounds("" if low is None else str(low), "" if high is None else str(high))
