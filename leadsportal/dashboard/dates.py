"""Days as an agent in France says them: today in Paris, the default window, a day's start."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from django.utils import timezone

PARIS: Final = ZoneInfo("Europe/Paris")
DEFAULT_WINDOW_DAYS: Final = 7


def today_in_paris() -> date:
    return timezone.now().astimezone(PARIS).date()


def default_start() -> date:
    return today_in_paris() - timedelta(days=DEFAULT_WINDOW_DAYS - 1)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARIS)
