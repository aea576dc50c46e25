"""One JSON object per log line, so that logs can be shipped and queried as they are."""

from __future__ import annotations

import json
import logging
import re
import socket
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest

# Attributes every LogRecord has; anything else was passed through `extra=` and is logged.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# A query string in a message (Django's loggers print paths, the development server its
# request line): search terms, filters and export parameters are about leads.
_QUERY = re.compile(r"\?[^\s\"']*")


def _safe_extra(value: Any) -> Any:
    """What an `extra=` value may say: a request (Django's loggers pass it, and its repr holds
    the query string) is reduced to its method and path; a socket to nothing."""
    if isinstance(value, HttpRequest):
        return {"method": value.method, "path": value.path}
    if isinstance(value, socket.socket):
        return None
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": _QUERY.sub("?…", record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = _safe_extra(value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
