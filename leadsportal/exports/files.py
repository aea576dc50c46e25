"""The file of a background export, at rest: encrypted chunks in the database, for a day.

The file holds personal data (names, phones, e-mails, messages), so nothing of it is stored in
clear: each chunk of about CHUNK_BYTES is compressed (zlib: CSV shrinks about fivefold), then
encrypted with the newest of settings.FERNET_KEYS (agencies/crypto.py). The database, not a
disk, so that the web containers serve what a worker container wrote. The file is written in
order from position 1; position 0 is written last: what goes before the header once the export
knows how it ended (a CSV's "EXPORT INCOMPLET" first line, and Excel's byte order mark).

Compression before encryption lets the size of a chunk hint at how repetitive its text is; no
attacker chooses part of the text and watches the sizes here, which is what such attacks need.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from leadsportal.agencies.crypto import decrypt_bytes, encrypt_bytes
from leadsportal.exports.models import ExportFileChunk, ExportRecord

CHUNK_BYTES: Final = 512 * 1024
PREFIX_POSITION: Final = 0


def _sealed(data: bytes) -> bytes:
    return encrypt_bytes(zlib.compress(data, 6))


def _opened(token: bytes) -> bytes:
    return zlib.decompress(decrypt_bytes(token))


class FileWriter:
    """Takes the export's bytes as they come; stores a chunk whenever CHUNK_BYTES are waiting."""

    def __init__(self, record: ExportRecord) -> None:
        self._record = record
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._position = PREFIX_POSITION
        self.size = 0

    def write(self, data: bytes) -> None:
        if not data:
            return
        self._pending.append(data)
        self._pending_size += len(data)
        self.size += len(data)
        if self._pending_size >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        self._position += 1
        ExportFileChunk.objects.create(
            record=self._record, position=self._position, data=_sealed(b"".join(self._pending))
        )
        self._pending.clear()
        self._pending_size = 0

    def close(self, *, prefix: bytes) -> None:
        """The last bytes, then what goes first in the file."""
        self.flush()
        if prefix:
            ExportFileChunk.objects.create(
                record=self._record, position=PREFIX_POSITION, data=_sealed(prefix)
            )
            self.size += len(prefix)


def export_file_discard(*, record: ExportRecord) -> None:
    """Drop what a job wrote before it failed (a file that will never be offered)."""
    ExportFileChunk.objects.filter(record=record).delete()


def export_file_chunks(*, record: ExportRecord) -> Iterator[bytes]:
    """The file's bytes, in order, decrypted one chunk at a time (a day's file is never held
    whole in memory)."""
    positions = list(
        ExportFileChunk.objects.filter(record=record)
        .order_by("position")
        .values_list("position", flat=True)
    )
    for position in positions:
        token = (
            ExportFileChunk.objects.filter(record=record, position=position)
            .values_list("data", flat=True)
            .first()
        )
        if token is None:
            return  # deleted meanwhile (expired): the download ends short, never wrong
        yield _opened(bytes(token))


def file_expiry(now: datetime) -> datetime:
    return now + timedelta(hours=settings.LEADS_EXPORT_FILE_HOURS)


def export_files_purge(*, now: datetime | None = None) -> int:
    """Delete the files whose time is up; how many went. Their records stay (the history)."""
    now = now or timezone.now()
    due = list(
        ExportRecord.objects.filter(
            file_expires_at__lte=now, file_deleted_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for record_id in due:
        with transaction.atomic():
            ExportFileChunk.objects.filter(record_id=record_id).delete()
            ExportRecord.objects.filter(pk=record_id).update(file_deleted_at=now)
    return len(due)
