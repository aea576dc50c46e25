"""Each agency's pipeline: its stages, in order, and its reasons for losing a lead.

Every agency starts with the same seven stages (Nouveau … Mandat signé, Perdu) and four lost
reasons, written the first time the pipeline is read (`pipeline_of`). A manager renames,
reorders and adds stages, and edits the reasons; follow-ups hold a stage's code, which never
changes, so a rename changes every list, filter and export at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from leadsportal.agencies.models import Agency
from leadsportal.followup.models import (
    FollowupEvent,
    FollowupStatus,
    LeadFollowup,
    LostReason,
    PipelineStage,
    StageKind,
)

DEFAULT_STAGES: tuple[tuple[FollowupStatus, StageKind], ...] = (
    (FollowupStatus.NEW, StageKind.NEW),
    (FollowupStatus.CONTACTED, StageKind.OPEN),
    (FollowupStatus.APPOINTMENT, StageKind.OPEN),
    (FollowupStatus.VISIT, StageKind.OPEN),
    (FollowupStatus.OFFER, StageKind.OPEN),
    (FollowupStatus.MANDATE, StageKind.WON),
    (FollowupStatus.LOST, StageKind.LOST),
)
# The agency's own words, which it edits: seeded in French, the agencies' language.
DEFAULT_LOST_REASONS = ("Déjà accompagné", "Injoignable", "Projet abandonné", "Hors secteur")
STAGE_NAME_MAX_LENGTH = 60
REASON_LABEL_MAX_LENGTH = 80
MAX_STAGES = 20
PIPELINE_CACHE_SECONDS = 600
MAX_LOST_REASONS = 30
CODE_MAX_LENGTH = 40
# The kinds a manager may give a stage they add: there is one stage of kind NEW, the seeded one.
ADDABLE_KINDS = (StageKind.OPEN, StageKind.WON, StageKind.LOST, StageKind.CLOSED)


@dataclass(frozen=True, slots=True)
class Stage:
    code: str
    name: str
    kind: str
    position: int

    @property
    def is_lost(self) -> bool:
        return self.kind == StageKind.LOST

    @property
    def is_new(self) -> bool:
        return self.kind == StageKind.NEW


def default_stage_name(code: str) -> str:
    try:
        return str(FollowupStatus(code).label)
    except ValueError:
        return code


def _stage(row: PipelineStage) -> Stage:
    return Stage(
        code=row.code,
        name=row.name or default_stage_name(row.code),
        kind=row.kind,
        position=row.position,
    )


def pipeline_seed(agency: Agency) -> None:
    """The default stages and reasons, for an agency that has none yet (idempotent)."""
    PipelineStage.objects.bulk_create(
        [
            PipelineStage(agency=agency, code=code.value, kind=kind, position=position)
            for position, (code, kind) in enumerate(DEFAULT_STAGES)
        ],
        ignore_conflicts=True,
    )
    if not LostReason.objects.filter(agency=agency).exists():
        LostReason.objects.bulk_create(
            [
                LostReason(agency=agency, label=label, position=position)
                for position, label in enumerate(DEFAULT_LOST_REASONS)
            ],
            ignore_conflicts=True,
        )


def _pipeline_key(agency_id: int) -> str:
    return f"pipeline:stages:{agency_id}"


def pipeline_of(agency: Agency) -> list[Stage]:
    """The agency's stages in order (seeded on first use).

    Every list, badge and form reads it: remembered in the shared cache (no query for a warm
    page) and forgotten by each change of this module (`_pipeline_changed`)."""
    key = _pipeline_key(agency.pk)
    remembered: list[tuple[str, str, str, int]] | None = cache.get(key)
    if remembered is None:
        rows = list(PipelineStage.objects.filter(agency=agency))
        seeded = not rows
        if seeded:
            pipeline_seed(agency)
            rows = list(PipelineStage.objects.filter(agency=agency))
        # The names as stored: a blank one is translated when read, in the reader's language.
        remembered = [(row.code, row.name, row.kind, row.position) for row in rows]
        if not seeded:  # a seed may yet be rolled back with its transaction
            cache.set(key, remembered, timeout=PIPELINE_CACHE_SECONDS)
    return [
        Stage(code=code, name=name or default_stage_name(code), kind=kind, position=position)
        for code, name, kind, position in remembered
    ]


def _pipeline_changed(agency: Agency) -> None:
    """Forget the remembered stages now, and again after the commit (a read in between would
    remember the old ones)."""
    key = _pipeline_key(agency.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def stage_names(agency: Agency) -> dict[str, str]:
    """Code → name of the agency's stages; an unknown code shows as itself."""
    return {stage.code: stage.name for stage in pipeline_of(agency)}


def stage_get(agency: Agency, code: str) -> Stage | None:
    return next((stage for stage in pipeline_of(agency) if stage.code == code), None)


def new_stage_code(agency: Agency) -> str:
    """The code of the stage leads arrive in (the agency's stage of kind NEW)."""
    stage = next((stage for stage in pipeline_of(agency) if stage.is_new), None)
    return stage.code if stage else FollowupStatus.NEW.value


def lost_reasons_of(agency: Agency, *, with_archived: bool = False) -> list[LostReason]:
    pipeline_of(agency)  # seeds the reasons with the stages
    rows = LostReason.objects.filter(agency=agency)
    if not with_archived:
        rows = rows.filter(archived=False)
    return list(rows)


def stages_by_code(agency: Agency) -> dict[str, Stage]:
    """Code → stage of the agency's pipeline, in order (one query)."""
    return {stage.code: stage for stage in pipeline_of(agency)}


def stage_label(stages: Mapping[str, Stage], code: str) -> str:
    """A stage's name for a code that may no longer be one of the agency's (an old event)."""
    stage = stages.get(code)
    if stage is not None:
        return stage.name
    return default_stage_name(code) if code else "—"


def lost_reason_get(agency: Agency, reason_id: int) -> LostReason | None:
    """One of the reasons the agency offers (not archived), else None."""
    return LostReason.objects.filter(agency=agency, pk=reason_id, archived=False).first()


def event_description(event: FollowupEvent, stages: Mapping[str, Stage]) -> str:
    """What an event says, with the agency's names of its stages ("statut : Contacté →
    Perdu — Injoignable"); other events as the model says them."""
    if event.kind != FollowupEvent.Kind.STATUS:
        return event.description
    new = stage_label(stages, event.new_value)
    if event.lost_reason_id is not None and event.lost_reason is not None:
        new = f"{new} — {event.lost_reason.label}"
    return str(_("statut : %(old)s → %(new)s")) % {
        "old": stage_label(stages, event.old_value),
        "new": new,
    }


class PipelineError(ValueError):
    """A change of the pipeline the rules refuse; its message is for the manager."""


# --- A manager's changes: each in one transaction, the agency's rows locked -----------------


def _locked_stages(agency: Agency) -> list[PipelineStage]:
    rows = list(PipelineStage.objects.select_for_update().filter(agency=agency))
    if rows:
        return rows
    pipeline_seed(agency)  # rolled back with the change if it is refused: seeded again later
    return list(PipelineStage.objects.select_for_update().filter(agency=agency))


def _clean_name(name: str, *, limit: int, empty: str, too_long: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise PipelineError(empty)
    if len(text) > limit:
        raise PipelineError(too_long % {"limit": limit})
    return text


def _clean_stage_name(name: str) -> str:
    return _clean_name(
        name,
        limit=STAGE_NAME_MAX_LENGTH,
        empty=_("Donnez un nom à l'étape."),
        too_long=_("Le nom d'une étape tient en %(limit)s caractères au plus."),
    )


def _name_taken(rows: list[PipelineStage], name: str, *, other_than: int | None = None) -> bool:
    wanted = name.casefold()
    return any(row.pk != other_than and _stage(row).name.casefold() == wanted for row in rows)


def _stage_row(rows: list[PipelineStage], code: str) -> PipelineStage:
    row = next((row for row in rows if row.code == code), None)
    if row is None:
        raise PipelineError(_("Cette étape n'existe pas (ou plus) dans le suivi de l'agence."))
    return row


def _new_code(rows: list[PipelineStage], name: str) -> str:
    """A code for a new stage, from its name: stable from then on, unique in the agency."""
    base = (slugify(name) or "etape")[: CODE_MAX_LENGTH - 4].strip("-") or "etape"
    taken = {row.code for row in rows} | set(FollowupStatus.values)
    code, number = base, 2
    while code in taken:
        code, number = f"{base}-{number}", number + 1
    return code


def stage_add(*, agency: Agency, name: str, kind: str = StageKind.OPEN) -> Stage:
    """A new stage of the agency, placed before its first stage of kind won, lost or closed
    (an open stage) or last (the others)."""
    text = _clean_stage_name(name)
    if kind not in ADDABLE_KINDS:
        raise PipelineError(_("Choisissez le type de l'étape dans la liste."))
    with transaction.atomic():
        rows = _locked_stages(agency)
        if len(rows) >= MAX_STAGES:
            raise PipelineError(
                _("Le suivi compte déjà %(count)s étapes, le maximum.") % {"count": MAX_STAGES}
            )
        if _name_taken(rows, text):
            raise PipelineError(
                _("Une étape s'appelle déjà « %(name)s » : choisissez un autre nom.")
                % {"name": text}
            )
        index = len(rows)
        if kind == StageKind.OPEN:
            index = next(
                (
                    i
                    for i, row in enumerate(rows)
                    if row.kind not in (StageKind.NEW, StageKind.OPEN)
                ),
                len(rows),
            )
        row = PipelineStage(agency=agency, code=_new_code(rows, text), name=text, kind=kind)
        rows.insert(index, row)
        row.position = index
        row.save()
        _renumber(rows)
        _pipeline_changed(agency)
    return _stage(row)


def _renumber(rows: list[PipelineStage]) -> None:
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])


def stage_rename(*, agency: Agency, code: str, name: str) -> Stage:
    """A stage's new name; its code, and so every lead, filter and link, stays. The default
    name given back makes the stage follow the reader's language again."""
    text = _clean_stage_name(name)
    with transaction.atomic():
        rows = _locked_stages(agency)
        row = _stage_row(rows, code)
        if _name_taken(rows, text, other_than=row.pk):
            raise PipelineError(
                _("Une étape s'appelle déjà « %(name)s » : choisissez un autre nom.")
                % {"name": text}
            )
        row.name = "" if text == default_stage_name(row.code) else text
        row.save(update_fields=["name"])
        _pipeline_changed(agency)
    return _stage(row)


def stage_move(*, agency: Agency, code: str, up: bool) -> list[Stage]:
    """One place up or down; the stage of kind NEW stays first, where leads arrive."""
    with transaction.atomic():
        rows = _locked_stages(agency)
        row = _stage_row(rows, code)
        index = rows.index(row)
        target = index - 1 if up else index + 1
        if row.kind == StageKind.NEW:
            raise PipelineError(_("L'étape des nouveaux leads reste la première."))
        if not 0 <= target < len(rows) or rows[target].kind == StageKind.NEW:
            raise PipelineError(
                _("Cette étape est déjà la première après celle des nouveaux leads.")
                if up
                else _("Cette étape est déjà la dernière.")
            )
        rows[index], rows[target] = rows[target], rows[index]
        _renumber(rows)
        _pipeline_changed(agency)
    return [_stage(row) for row in rows]


def stage_delete(*, agency: Agency, code: str) -> None:
    """Removes a stage no lead is or was ever at (an unused one, or one added by mistake);
    a stage that holds or held leads stays: rename it instead."""
    with transaction.atomic():
        rows = _locked_stages(agency)
        row = _stage_row(rows, code)
        if row.kind == StageKind.NEW:
            raise PipelineError(_("L'étape des nouveaux leads ne peut pas être supprimée."))
        if LeadFollowup.objects.filter(agency=agency, status=code).exists():
            raise PipelineError(
                _("Des leads sont à l'étape « %(name)s » : elle ne peut pas être supprimée.")
                % {"name": _stage(row).name}
            )
        if FollowupEvent.objects.filter(
            Q(old_value=code) | Q(new_value=code),
            followup__agency=agency,
            kind=FollowupEvent.Kind.STATUS,
        ).exists():
            raise PipelineError(
                _(
                    "Des leads sont passés par l'étape « %(name)s » : elle reste pour leur "
                    "historique et les statistiques. Renommez-la plutôt."
                )
                % {"name": _stage(row).name}
            )
        row.delete()
        rows.remove(row)
        _renumber(rows)
        _pipeline_changed(agency)


def _clean_reason(label: str) -> str:
    return _clean_name(
        label,
        limit=REASON_LABEL_MAX_LENGTH,
        empty=_("Écrivez la raison."),
        too_long=_("Une raison tient en %(limit)s caractères au plus."),
    )


def _locked_reasons(agency: Agency) -> list[LostReason]:
    if not PipelineStage.objects.filter(agency=agency).exists():
        pipeline_seed(agency)  # the reasons come with the stages
    return list(LostReason.objects.select_for_update().filter(agency=agency))


def _reason_row(rows: list[LostReason], reason_id: int) -> LostReason:
    row = next((row for row in rows if row.pk == reason_id), None)
    if row is None:
        raise PipelineError(_("Cette raison n'existe pas dans la liste de l'agence."))
    return row


def _reason_taken(rows: list[LostReason], label: str, *, other_than: int | None = None) -> bool:
    wanted = label.casefold()
    return any(row.pk != other_than and row.label.casefold() == wanted for row in rows)


def reason_add(*, agency: Agency, label: str) -> LostReason:
    text = _clean_reason(label)
    with transaction.atomic():
        rows = _locked_reasons(agency)
        if len(rows) >= MAX_LOST_REASONS:
            raise PipelineError(
                _("La liste compte déjà %(count)s raisons, le maximum.")
                % {"count": MAX_LOST_REASONS}
            )
        if _reason_taken(rows, text):
            raise PipelineError(
                _("La raison « %(label)s » est déjà dans la liste.") % {"label": text}
            )
        last = LostReason.objects.filter(agency=agency).aggregate(last=Max("position"))["last"]
        return LostReason.objects.create(
            agency=agency, label=text, position=0 if last is None else last + 1
        )


def reason_rename(*, agency: Agency, reason_id: int, label: str) -> LostReason:
    """A reason's new words: the leads lost for it show them too."""
    text = _clean_reason(label)
    with transaction.atomic():
        rows = _locked_reasons(agency)
        row = _reason_row(rows, reason_id)
        if _reason_taken(rows, text, other_than=row.pk):
            raise PipelineError(
                _("La raison « %(label)s » est déjà dans la liste.") % {"label": text}
            )
        row.label = text
        row.save(update_fields=["label"])
    return row


def reason_archive(*, agency: Agency, reason_id: int, archived: bool = True) -> LostReason:
    """No longer offered (archived) or offered again; the leads lost for it keep it."""
    with transaction.atomic():
        rows = _locked_reasons(agency)
        row = _reason_row(rows, reason_id)
        if archived and not any(other.pk != row.pk and not other.archived for other in rows):
            raise PipelineError(
                _("Gardez au moins une raison : « Perdu » demande toujours pourquoi.")
            )
        row.archived = archived
        row.save(update_fields=["archived"])
    return row
