"""Form fields the dashboard's forms share."""

from __future__ import annotations

from typing import Any

from django import forms


def day_field(label: Any, *, invalid: Any = None) -> forms.DateField:
    """A day of a period, as the browser's date picker sends it or as typed (dd/mm/yyyy)."""
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": invalid} if invalid else None,
    )
