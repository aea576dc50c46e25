"""Phone numbers as the portals send them (`+33658212967`, `0750236452`, `09.71.61.26.27`,
`+33 (0)6 12 34 56 78`), read once with Google's libphonenumber (the `phonenumbers` package),
for France by default, and written three ways:

- `phone_display`: what every screen and export shows, French numbers in the national format
  (`06 58 21 29 67`), others in the international one (`+32 470 12 34 56`);
- `phone_dial`: what a `tel:` link dials, E.164 (`+33658212967`);
- `phone_key`: what the "déjà connu" fingerprints hash, one form however the number is written
  (`0658212967` for a French number, E.164 for others: the form the fingerprints have always
  had, so that the stored ones keep matching).

A text that is no possible phone number ("n/c", "12", letters) is shown as the API gave it,
is not a link, and has no key.
"""

from __future__ import annotations

import functools
from typing import Final

import phonenumbers
from phonenumbers import PhoneNumberFormat

DEFAULT_REGION: Final = "FR"


@functools.lru_cache(maxsize=4096)
def _parsed(raw: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def _is_french(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.region_code_for_number(number) == DEFAULT_REGION


def phone_display(raw: str | None) -> str:
    """The number as the dashboard shows it everywhere."""
    text = (raw or "").strip()
    number = _parsed(text) if text else None
    if number is None:
        return text
    style = PhoneNumberFormat.NATIONAL if _is_french(number) else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def phone_dial(raw: str | None) -> str | None:
    """The E.164 number a `tel:` link dials, or None when the text is no phone number."""
    number = _parsed((raw or "").strip()) if raw else None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number else None


def phone_key(raw: str | None) -> str | None:
    """One form of the number however it is written, for the contact fingerprints."""
    number = _parsed((raw or "").strip()) if raw else None
    if number is None:
        return None
    if _is_french(number):
        return "0" + phonenumbers.national_significant_number(number)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
