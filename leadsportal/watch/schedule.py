"""When each agency is polled: slots of the watch interval and each agency's offset in them.

Pure arithmetic, no Django: the tasks plan with it, the leases count by it, the benchmark
checks the workers' punctuality against it.
"""

from __future__ import annotations

import zlib
from datetime import datetime


def slot_of(moment: datetime, interval: int) -> int:
    """The number of the interval `moment` falls in (slot n covers [n·interval, (n+1)·interval))."""
    return int(moment.timestamp()) // interval


def poll_offset(agency_id: int, interval: int) -> float:
    """Where in each interval an agency is polled: spread evenly, stable across restarts."""
    return (zlib.crc32(str(agency_id).encode()) % 1000) / 1000 * interval
