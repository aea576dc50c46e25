"""Leases: one holder per (job, slot), across every worker process on every host.

A slot is a numbered interval of time (slot n covers [n·interval, (n+1)·interval)). Taking the
lease inserts the row (job, slot); the database's unique constraint lets exactly one insert
succeed. There is nothing to renew or release: the next slot is a new row, so a worker that
dies loses only the slot it was in.
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from leadsportal.watch.models import WatchLease
from leadsportal.watch.schedule import slot_of

__all__ = ["holder_name", "lease_take", "leases_forget_old", "slot_of"]

KEEP_LEASES = timedelta(hours=1)


def holder_name() -> str:
    """This worker thread, as lease rows name it: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


def lease_take(name: str, slot: int) -> bool:
    """True when this caller is the one holder of (name, slot)."""
    try:
        with transaction.atomic():
            WatchLease.objects.create(name=name, slot=slot, holder=holder_name())
    except IntegrityError:
        return False
    return True


def leases_forget_old(*, now: datetime | None = None) -> int:
    """Delete lease rows older than KEEP_LEASES (kept that long to count them)."""
    before = (now or timezone.now()) - KEEP_LEASES
    deleted, _ = WatchLease.objects.filter(taken_at__lt=before).delete()
    return deleted
