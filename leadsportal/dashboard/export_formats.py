"""The export formats a list offers in its Export menu (the `format=` of the export URLs).

Here, with the lists, because the menu is part of every list page; the exports app, which
writes the files and records them, takes its choices from this module.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel (.xlsx)")
    CSV_EXCEL = "csv-excel", _("CSV (Excel FR)")
    CSV = "csv", _("CSV (standard)")
