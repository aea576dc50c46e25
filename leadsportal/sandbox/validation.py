"""Validation of the sandbox's request bodies, the way the contract describes it.

Every faulty field is reported (not only the first), each as {title: field, message}, so the
client's error mapping can be tested field by field. Request keys are matched
case-insensitively, as the contract requires of servers.

Choices where the contract is silent (reported in the sandbox README section):
- A date-time without an offset is taken as UTC; a bare date means midnight UTC.
- Integers must be JSON integers: "2", 2.0 and true are refused.
- An empty ClassifiedIds or Portals array means "no filter".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from leadsportal.sandbox.data import PORTALS

MAX_WINDOW = timedelta(days=92)
PAGE_SIZE_MAX = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class FieldError:
    title: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"title": self.title, "message": self.message}


class ValidationFailed(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(error.title for error in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Page:
    index: int
    size: int


@dataclass(frozen=True, slots=True)
class Search:
    start_ts: int  # inclusive, Unix seconds rounded up
    end_ts: int  # exclusive, Unix seconds rounded up
    classified_ids: frozenset[int] | None
    portals: frozenset[str] | None
    page: Page


def _lower_keys(value: dict[str, Any]) -> dict[str, Any]:
    return {key.lower(): item for key, item in value.items() if isinstance(key, str)}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_body(raw: bytes, *, required: bool) -> dict[str, Any]:
    """The JSON object of the body with lower-cased keys ({} for an empty optional body)."""
    if not raw.strip():
        return {}
    try:
        decoded = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            [FieldError("body", f"The request body is not valid JSON: {exc}.")]
        ) from exc
    if decoded is None and not required:
        return {}
    if not isinstance(decoded, dict):
        raise ValidationFailed([FieldError("body", "The request body must be a JSON object.")])
    return _lower_keys(decoded)


def _parse_datetime(name: str, value: object, errors: list[FieldError]) -> datetime | None:
    camel = name[0].lower() + name[1:]
    if value is None:
        errors.append(FieldError(name, f"Missing required parameter '{camel}'."))
        return None
    if not isinstance(value, str):
        errors.append(FieldError(name, f"'{name}' must be an ISO 8601 date-time string."))
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        errors.append(FieldError(name, f"'{name}' is not a valid ISO 8601 date-time: {value!r}."))
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def parse_page(body: dict[str, Any], errors: list[FieldError]) -> Page:
    raw = body.get("pagination")
    if raw is None:
        return Page(1, DEFAULT_PAGE_SIZE)
    if not isinstance(raw, dict):
        errors.append(FieldError("Pagination", "'Pagination' must be an object."))
        return Page(1, DEFAULT_PAGE_SIZE)
    pagination = _lower_keys(raw)
    index = pagination.get("pageindex")
    size = pagination.get("pagesize")
    if index is None:
        index = 1
    elif not _is_int(index) or index < 1:
        errors.append(
            FieldError("PageIndex", "'PageIndex' must be an integer greater than or equal to 1.")
        )
        index = 1
    if size is None:
        size = DEFAULT_PAGE_SIZE
    elif not _is_int(size) or not 1 <= size <= PAGE_SIZE_MAX:
        errors.append(
            FieldError("PageSize", f"'PageSize' must be an integer between 1 and {PAGE_SIZE_MAX}.")
        )
        size = DEFAULT_PAGE_SIZE
    return Page(index, size)


def _parse_classified_ids(value: object, errors: list[FieldError]) -> frozenset[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(_is_int(item) for item in value):
        errors.append(FieldError("ClassifiedIds", "'ClassifiedIds' must be an array of integers."))
        return None
    return frozenset(value) or None


def _parse_portals(value: object, errors: list[FieldError]) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.append(FieldError("Portals", "'Portals' must be an array of portal codes."))
        return None
    unknown = [item for item in value if item not in PORTALS]
    if unknown:
        errors.append(
            FieldError(
                "Portals",
                f"Unknown portal code(s): {', '.join(unknown)}. Known codes: {', '.join(PORTALS)}.",
            )
        )
        return None
    return frozenset(value) or None


def _ceil_ts(moment: datetime) -> int:
    return math.ceil(moment.timestamp())


def parse_search(raw: bytes) -> Search:
    """The search envelope {SearchCriteria, Pagination}; raises ValidationFailed with every error."""
    body = parse_body(raw, required=True)
    errors: list[FieldError] = []
    criteria_raw = body.get("searchcriteria")
    if criteria_raw is None:
        errors.append(FieldError("SearchCriteria", "Missing required parameter 'searchCriteria'."))
        criteria: dict[str, Any] = {}
    elif not isinstance(criteria_raw, dict):
        errors.append(FieldError("SearchCriteria", "'SearchCriteria' must be an object."))
        criteria = {}
    else:
        criteria = _lower_keys(criteria_raw)

    start = end = None
    classified_ids = portals = None
    if criteria_raw is not None and isinstance(criteria_raw, dict):
        start = _parse_datetime("StartDate", criteria.get("startdate"), errors)
        end = _parse_datetime("EndDate", criteria.get("enddate"), errors)
        classified_ids = _parse_classified_ids(criteria.get("classifiedids"), errors)
        portals = _parse_portals(criteria.get("portals"), errors)
        if start is not None and end is not None:
            if end <= start:
                errors.append(FieldError("EndDate", "'EndDate' must be later than 'StartDate'."))
            elif end - start > MAX_WINDOW:
                errors.append(
                    FieldError(
                        "EndDate",
                        f"'EndDate' must be at most {MAX_WINDOW.days} days after 'StartDate'.",
                    )
                )
    page = parse_page(body, errors)
    if errors:
        raise ValidationFailed(errors)
    assert start is not None and end is not None
    return Search(_ceil_ts(start), _ceil_ts(end), classified_ids, portals, page)


def parse_classified_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationFailed(
            [FieldError("classifiedId", f"'classifiedId' must be a positive integer, got {raw!r}.")]
        )
    return int(raw)
