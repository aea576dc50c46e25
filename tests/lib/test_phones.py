"""Phone numbers: one reading (libphonenumber, France by default), three writings."""

from __future__ import annotations

import pytest

from leadsportal.lib.phones import phone_dial, phone_display, phone_key

FRENCH_MOBILE = ("06 12 34 56 78", "+33612345678", "0612345678")


@pytest.mark.parametrize(
    "written",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33612345678",
        "+33 6 12 34 56 78",
        "+33 (0)6.12.34.56.78",
        "0033 6 12 34 56 78",
        " 06 12 34 56 78 ",
    ],
)
def test_a_french_number_is_one_number_however_it_is_written(written):
    assert (phone_display(written), phone_dial(written), phone_key(written)) == FRENCH_MOBILE


def test_the_portals_notations_show_the_same_way():
    assert phone_display("+33658212967") == "06 58 21 29 67"
    assert phone_display("0750236452") == "07 50 23 64 52"
    assert phone_display("09.71.61.26.27") == "09 71 61 26 27"
    assert phone_dial("09.71.61.26.27") == "+33971612627"


def test_a_foreign_number_keeps_its_country():
    assert phone_display("+32 470 12 34 56") == "+32 470 12 34 56"
    assert phone_dial("+32470123456") == "+32470123456"
    assert phone_key("+32 470 12 34 56") == "+32470123456"
    assert phone_key("+32 470 12 34 56") != phone_key("0470123456")


@pytest.mark.parametrize("text", ["n/c", "12", "appelez-moi", ""])
def test_what_is_no_phone_number_is_shown_as_given_and_never_dialled(text):
    assert phone_display(text) == text
    assert phone_dial(text) is None
    assert phone_key(text) is None
