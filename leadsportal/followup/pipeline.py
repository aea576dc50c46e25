"""Each agency's pipeline: its stages, in order, and its reasons for losing a lead.

Every agency starts with the same seven stages (Nouveau … Mandat signé, Perdu) and four lost
reasons, written the first time the pipeline is read (`pipeline_of`). A manager renames,
reorders and adds stages, and edits the reasons; follow-ups hold a stage's code, which never
changes, so a rename changes every list, filter and export at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadsportal.agencies.models import Agency
from leadsportal.followup.models import FollowupStatus, LostReason, PipelineStage, StageKind

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
MAX_STAGES = 20


@dataclass(frozen=True, slots=True)
class Stage:
    code: str
    name: str
    kind: str
    position: int

    @property
    def is_lost(self) -> bool:
        return self.kind == StageKind.LOST


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


def pipeline_of(agency: Agency) -> list[Stage]:
    """The agency's stages in order (seeded on first use)."""
    rows = list(PipelineStage.objects.filter(agency=agency))
    if not rows:
        pipeline_seed(agency)
        rows = list(PipelineStage.objects.filter(agency=agency))
    return [_stage(row) for row in rows]


def stage_names(agency: Agency) -> dict[str, str]:
    """Code → name of the agency's stages; an unknown code shows as itself."""
    return {stage.code: stage.name for stage in pipeline_of(agency)}


def stage_get(agency: Agency, code: str) -> Stage | None:
    return next((stage for stage in pipeline_of(agency) if stage.code == code), None)


def new_stage_code(agency: Agency) -> str:
    """The code of the stage leads arrive in (the agency's stage of kind NEW)."""
    row = PipelineStage.objects.filter(agency=agency, kind=StageKind.NEW).first()
    return row.code if row else FollowupStatus.NEW.value


def lost_reasons_of(agency: Agency, *, with_archived: bool = False) -> list[LostReason]:
    pipeline_of(agency)  # seeds the reasons with the stages
    rows = LostReason.objects.filter(agency=agency)
    if not with_archived:
        rows = rows.filter(archived=False)
    return list(rows)


class PipelineError(ValueError):
    """A change of the pipeline the rules refuse; its message is for the manager."""
