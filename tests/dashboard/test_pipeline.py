"""The agency's pipeline (issue 17): a manager renames, reorders and adds stages and edits the
lost reasons; every page shows the agency's names; "Perdu" asks why, and the reason stays on
the lead and in its history. Agents are refused; another agency never changes."""

from __future__ import annotations

import re
from html import unescape

import pytest

from leadsportal.followup.models import FollowupEvent, LeadFollowup, LostReason, PipelineStage
from leadsportal.followup.pipeline import (
    PipelineError,
    pipeline_of,
    reason_archive,
    stage_add,
    stage_delete,
    stage_move,
    stage_rename,
)
from tests.followup.conftest import listed_ids, row_html

PIPELINE = "/agence/suivi/"
SEEDED = ["nouveau", "contacte", "rendez-vous", "visite", "offre", "mandat", "perdu"]


def codes(agency) -> list[str]:  # type: ignore[no-untyped-def]
    return [stage.code for stage in pipeline_of(agency)]


def names(agency) -> list[str]:  # type: ignore[no-untyped-def]
    return [stage.name for stage in pipeline_of(agency)]


def post_status(client, lead_id: str, status: str, reason: int | str = "", **headers):  # type: ignore[no-untyped-def]
    return client.post(
        f"/lead/{lead_id}/suivi/statut/", {"status": status, "lost_reason": reason}, **headers
    )


def reason_id(agency, label: str) -> int:  # type: ignore[no-untyped-def]
    return LostReason.objects.get(agency=agency, label=label).pk


def status_options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no status select"
    return [
        (value, unescape(label))
        for value, label in re.findall(
            r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)
        )
    ]


def flash(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


# --- The manager's page ---------------------------------------------------------------------


def test_the_settings_page_links_to_the_pipeline_and_it_lists_the_seeded_stages(manager, paris):
    settings_page = manager.client.get("/agence/reglages/").content.decode()
    assert f'href="{PIPELINE}"' in settings_page
    response = manager.client.get(PIPELINE)
    assert response.status_code == 200
    html = unescape(response.content.decode())
    rows = re.findall(r'name="name" value="([^"]*)" maxlength="\d+" data-testid="stage-name"', html)
    assert rows == [
        "Nouveau",
        "Contacté",
        "Rendez-vous",
        "Visite",
        "Offre",
        "Mandat signé",
        "Perdu",
    ]
    for label in ("Déjà accompagné", "Injoignable", "Projet abandonné", "Hors secteur"):
        assert f'value="{label}"' in html


def test_a_rename_shows_on_every_page_and_keeps_the_code(manager, agent, paris, add_lead):
    lead_id = add_lead()
    post_status(agent.client, lead_id, "contacte")
    response = manager.client.post(
        PIPELINE, {"action": "stage_rename", "code": "contacte", "name": "Premier appel"}
    )
    assert response.status_code == 303 and response["Location"] == PIPELINE
    assert "Étape renommée « Premier appel »." in flash(
        manager.client.get(PIPELINE).content.decode()
    )
    assert codes(paris) == SEEDED  # the code stays: links and filters keep working
    detail = agent.client.get(f"/lead/{lead_id}/").content.decode()
    assert 'data-testid="status-badge">Premier appel<' in detail
    assert ("contacte", "Premier appel") in status_options(detail)
    assert "statut : Nouveau → Premier appel" in unescape(detail)  # the history too
    listed = agent.client.get("/leads/?status=contacte").content.decode()
    assert listed_ids(listed) == [lead_id]
    assert 'data-testid="status-badge">Premier appel<' in row_html(listed, lead_id)
    assert ("contacte", "Premier appel") in status_options(listed)  # the filter "Suivi"
    # The default name given back follows the reader's language again.
    stage_rename(agency=paris, code="contacte", name="Contacté")
    assert PipelineStage.objects.get(agency=paris, code="contacte").name == ""


def test_another_agency_keeps_its_own_pipeline(manager, paris, lyon, lyon_agent):
    manager.client.post(
        PIPELINE, {"action": "stage_rename", "code": "visite", "name": "Visite faite"}
    )
    manager.client.post(PIPELINE, {"action": "stage_add", "name": "Estimation", "kind": "open"})
    manager.client.post(PIPELINE, {"action": "reason_add", "label": "Vendu par un autre"})
    assert "Visite faite" in names(paris) and "Estimation" in names(paris)
    assert names(lyon) == [
        "Nouveau",
        "Contacté",
        "Rendez-vous",
        "Visite",
        "Offre",
        "Mandat signé",
        "Perdu",
    ]
    assert not LostReason.objects.filter(agency=lyon, label="Vendu par un autre").exists()
    html = lyon_agent.client.get("/leads/").content.decode()
    assert ("visite", "Visite") in status_options(html)
    assert "estimation" not in dict(status_options(html))
    # A Lyon manager's page lists Lyon's stages; a Paris code means nothing there.
    assert lyon_agent.client.get(PIPELINE).status_code == 403


def test_stages_move_up_and_down_and_the_new_stage_stays_first(manager, paris):
    assert (
        manager.client.post(PIPELINE, {"action": "stage_up", "code": "visite"}).status_code == 303
    )
    assert codes(paris)[:4] == ["nouveau", "contacte", "visite", "rendez-vous"]
    manager.client.post(PIPELINE, {"action": "stage_down", "code": "visite"})
    assert codes(paris) == SEEDED
    for action, code, message in (
        ("stage_up", "nouveau", "L'étape des nouveaux leads reste la première."),
        ("stage_up", "contacte", "déjà la première après celle des nouveaux leads"),
        ("stage_down", "perdu", "Cette étape est déjà la dernière."),
        ("stage_up", "inconnue", "Cette étape n'existe pas"),
    ):
        refused = manager.client.post(PIPELINE, {"action": action, "code": code})
        assert refused.status_code == 400
        assert message in unescape(refused.content.decode())
    assert codes(paris) == SEEDED
    # With htmx: the editor only, in its new order, and the message inside.
    response = manager.client.post(
        PIPELINE, {"action": "stage_down", "code": "contacte"}, HTTP_HX_REQUEST="true"
    )
    html = unescape(response.content.decode())
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="pipeline-editor"')
    assert "Étape « Contacté » déplacée." in html
    assert html.index('value="Rendez-vous"') < html.index('value="Contacté"')


def test_a_new_stage_is_offered_everywhere_and_filters_the_list(manager, agent, paris, add_lead):
    response = manager.client.post(
        PIPELINE, {"action": "stage_add", "name": "Estimation faite", "kind": "open"}
    )
    assert response.status_code == 303
    # An open stage goes before the won, lost and closed ones.
    assert codes(paris) == [*SEEDED[:5], "estimation-faite", "mandat", "perdu"]
    manager.client.post(
        PIPELINE, {"action": "stage_add", "name": "Abandon vendeur", "kind": "lost"}
    )
    assert codes(paris)[-1] == "abandon-vendeur"
    lead_id, other = add_lead(), add_lead()
    assert post_status(agent.client, lead_id, "estimation-faite").status_code == 303
    post_status(agent.client, other, "contacte")
    listed = agent.client.get("/leads/?status=estimation-faite").content.decode()
    assert listed_ids(listed) == [lead_id]
    assert 'data-testid="status-badge">Estimation faite<' in row_html(listed, lead_id)
    # Renamed later, the filter's link still finds it.
    stage_rename(agency=paris, code="estimation-faite", name="Avis de valeur")
    relisted = agent.client.get("/leads/?status=estimation-faite").content.decode()
    assert listed_ids(relisted) == [lead_id]
    assert ("estimation-faite", "Avis de valeur") in status_options(relisted)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "stage_add", "name": "   "}, "Donnez un nom à l'étape."),
        ({"action": "stage_add", "name": "x" * 61}, "60 caractères au plus"),
        ({"action": "stage_add", "name": "visite"}, "Une étape s'appelle déjà « visite »"),
        ({"action": "stage_add", "name": "Bis", "kind": "new"}, "Choisissez le type"),
        ({"action": "stage_rename", "code": "offre", "name": "Contacté"}, "s'appelle déjà"),
        ({"action": "stage_delete", "code": "nouveau"}, "ne peut pas être supprimée"),
        ({"action": "reason_add", "label": "injoignable"}, "est déjà dans la liste"),
        ({"action": "reason_rename", "reason": "abc", "label": "x"}, "Cette raison n'existe pas"),
        ({"action": "drop_everything"}, "Cette modification n'existe pas."),
    ],
)
def test_bad_changes_are_refused_with_a_message(manager, paris, data, message):
    before = (names(paris), list(LostReason.objects.values_list("label", flat=True)))
    response = manager.client.post(PIPELINE, data)
    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    assert (names(paris), list(LostReason.objects.values_list("label", flat=True))) == before


def test_a_stage_that_holds_or_held_leads_is_never_deleted(manager, agent, paris, add_lead):
    lead_id = add_lead()
    post_status(agent.client, lead_id, "offre")
    refused = manager.client.post(PIPELINE, {"action": "stage_delete", "code": "offre"})
    assert refused.status_code == 400
    assert "Des leads sont à l'étape « Offre »" in unescape(refused.content.decode())
    post_status(agent.client, lead_id, "mandat")  # it left, but went through it
    with pytest.raises(PipelineError, match="sont passés par"):
        stage_delete(agency=paris, code="offre")
    # An unused stage goes, and the page shows no delete button where leads are.
    page = manager.client.get(PIPELINE).content.decode()
    assert 'id="stage-mandat-delete"' not in page and 'id="stage-visite-delete"' in page
    assert (
        manager.client.post(PIPELINE, {"action": "stage_delete", "code": "visite"}).status_code
        == 303
    )
    assert "visite" not in codes(paris)
    assert [stage.position for stage in pipeline_of(paris)] == list(range(6))


def test_reasons_are_added_renamed_archived_and_restored(manager, agent, paris, add_lead):
    manager.client.post(PIPELINE, {"action": "reason_add", "label": "Vendu par un autre"})
    added = reason_id(paris, "Vendu par un autre")
    manager.client.post(
        PIPELINE, {"action": "reason_rename", "reason": added, "label": "Vendu ailleurs"}
    )
    lead_id = add_lead()
    post_status(agent.client, lead_id, "perdu", added)
    detail = agent.client.get(f"/lead/{lead_id}/").content.decode()
    assert 'data-testid="status-badge">Perdu — Vendu ailleurs<' in detail
    manager.client.post(PIPELINE, {"action": "reason_archive", "reason": added})
    assert LostReason.objects.get(pk=added).archived
    page = agent.client.get(f"/lead/{lead_id}/").content.decode()
    select = re.search(r'<select name="lost_reason"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert "Vendu ailleurs" not in select  # no longer offered...
    assert 'data-testid="status-badge">Perdu — Vendu ailleurs<' in page  # ...kept by its leads
    other = add_lead()
    refused = post_status(agent.client, other, "perdu", added)
    assert refused.status_code == 400 and "Raison inconnue" in unescape(refused.content.decode())
    manager.client.post(PIPELINE, {"action": "reason_restore", "reason": added})
    assert not LostReason.objects.get(pk=added).archived


def test_the_last_offered_reason_cannot_be_archived(paris):
    pipeline_of(paris)  # seeds the stages and reasons
    reasons = list(LostReason.objects.filter(agency=paris))
    for reason in reasons[:-1]:
        reason_archive(agency=paris, reason_id=reason.pk)
    with pytest.raises(PipelineError, match="au moins une raison"):
        reason_archive(agency=paris, reason_id=reasons[-1].pk)


def test_agents_are_refused_and_nothing_changes(agent, paris):
    response = agent.client.get(PIPELINE)
    assert response.status_code == 403
    assert "Seuls les responsables de l'agence" in unescape(response.content.decode())
    for data in (
        {"action": "stage_rename", "code": "contacte", "name": "Appel"},
        {"action": "stage_add", "name": "Estimation"},
        {"action": "stage_up", "code": "visite"},
        {"action": "reason_add", "label": "Autre"},
    ):
        assert agent.client.post(PIPELINE, data).status_code == 403
        assert agent.client.post(PIPELINE, data, HTTP_HX_REQUEST="true").status_code == 403
    assert names(paris)[1] == "Contacté" and codes(paris) == SEEDED
    assert not LostReason.objects.filter(label="Autre").exists()


def test_the_domain_functions_refuse_what_the_rules_forbid(paris):
    with pytest.raises(PipelineError, match="reste la première"):
        stage_move(agency=paris, code="nouveau", up=False)
    for number in range(13):
        stage_add(agency=paris, name=f"Étape {number}")
    with pytest.raises(PipelineError, match="le maximum"):
        stage_add(agency=paris, name="Une de trop")
    assert sum(stage.kind == "new" for stage in pipeline_of(paris)) == 1
    assert pipeline_of(paris)[0].code == "nouveau"


# --- "Perdu" asks why ----------------------------------------------------------------------


def test_a_lost_lead_needs_a_reason_and_shows_it(agent, paris, add_lead):
    lead_id = add_lead()
    post_status(agent.client, lead_id, "contacte")
    refused = post_status(agent.client, lead_id, "perdu")
    assert refused.status_code == 400
    assert "Choisissez pourquoi le lead est « Perdu »" in unescape(refused.content.decode())
    htmx = post_status(agent.client, lead_id, "perdu", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert 'data-testid="lost-reason-error"' in htmx.content.decode()
    assert LeadFollowup.objects.get(lead_id=lead_id).status == "contacte"

    unreachable = reason_id(paris, "Injoignable")
    response = post_status(agent.client, lead_id, "perdu", unreachable)
    assert response.status_code == 303
    detail = unescape(agent.client.get(response["Location"]).content.decode())
    assert "Statut enregistré : Perdu — Injoignable." in detail
    assert 'data-testid="status-badge">Perdu — Injoignable<' in detail
    assert "statut : Contacté → Perdu — Injoignable" in detail
    followup = LeadFollowup.objects.get(lead_id=lead_id)
    assert (followup.status, followup.lost_reason_id) == ("perdu", unreachable)
    event = FollowupEvent.objects.filter(kind="status").latest("id")
    assert (event.old_value, event.new_value, event.lost_reason_id) == (
        "contacte",
        "perdu",
        unreachable,
    )
    listed = agent.client.get("/leads/?status=perdu").content.decode()
    assert 'data-testid="status-badge">Perdu — Injoignable<' in row_html(listed, lead_id)

    # Leaving the lost stage clears the reason, whatever the form still says.
    post_status(agent.client, lead_id, "rendez-vous", unreachable)
    followup.refresh_from_db()
    assert (followup.status, followup.lost_reason_id) == ("rendez-vous", None)
    assert FollowupEvent.objects.filter(kind="status").latest("id").lost_reason_id is None


def test_a_reason_of_another_agency_is_refused(agent, paris, lyon, add_lead):
    lead_id = add_lead()
    pipeline_of(lyon)
    lyon_reason = LostReason.objects.filter(agency=lyon).first()
    assert lyon_reason is not None
    refused = post_status(agent.client, lead_id, "perdu", lyon_reason.pk)
    assert refused.status_code == 400
    assert "Raison inconnue" in unescape(refused.content.decode())
    assert not LeadFollowup.objects.filter(lead_id=lead_id, status="perdu").exists()


def test_the_reason_select_is_marked_for_the_lost_stages_only(agent, paris, add_lead):
    lead_id = add_lead()
    html = agent.client.get(f"/lead/{lead_id}/").content.decode()
    options = re.findall(
        r'<option value="([^"]+)"( data-lost="true")?',
        html.split('name="status"')[1].split("</select>")[0],
    )
    assert [code for code, lost in options if lost] == ["perdu"]
    assert 'data-testid="lost-reason-field"' in html
    select = re.search(r'<select name="lost_reason"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert [
        unescape(label) for label in re.findall(r'<option value="\d+"[^>]*>([^<]*)<', select)
    ] == ["Déjà accompagné", "Injoignable", "Projet abandonné", "Hors secteur"]
