"""Bulk actions on the lists (issue 17), over HTTP as a browser without JavaScript sends them:
a checkbox per row, "the page" and "the whole list" (several API pages), each action counted,
one agency only, undone within a minute; the selection exported. On both upstreams
(tests/fixtures.py, `upstream`), the lists' expected totals from each sandbox's own data."""

from __future__ import annotations

import csv
import html as html_module
import io
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from leadsportal.dashboard.dates import default_start, start_of_day, today_in_paris
from leadsportal.followup.models import FollowupEvent, LeadFollowup, LeadRead, Reminder
from leadsportal.followup.pipeline import lost_reasons_of
from leadsportal.followup.reminders import PARIS
from leadsportal.leads_api import LeadFamily, PageRequest, SearchCriteria
from tests.exports.helpers import criteria_for, upstream_leads
from tests.fixtures import LYON_CLIENT, NANTES_CLIENT, UpstreamCase
from tests.followup.conftest import listed_ids


def default_list() -> SearchCriteria:
    """The period of /leads/ when the URL names none."""
    return SearchCriteria(
        start=start_of_day(default_start()),
        end=start_of_day(today_in_paris() + timedelta(days=1)),
    )


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


@pytest.fixture
def manager(upstream, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (upstream.agency, "manager"))


@pytest.fixture
def colleague(make_member, upstream):  # type: ignore[no-untyped-def]
    user = make_member("claire", (upstream.agency, "agent"))
    user.first_name, user.last_name = "Claire", "Martin"
    user.save()
    return user


def _list(client, url: str = "/leads/") -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _post(client, data: dict, url: str = "/selection/"):  # type: ignore[no-untyped-def]
    response = client.post(url, data)
    assert response.status_code == 303
    return client.get(response["Location"])


def _notice(html: str) -> str:
    match = re.search(r'data-testid="bulk-notice">\s*<span>(.*?)</span>', html, re.S)
    assert match, "no notice"
    return html_module.unescape(match.group(1).strip())


def test_every_row_has_a_checkbox_and_the_bar_offers_the_whole_list(agent, upstream):  # type: ignore[no-untyped-def]
    html = _list(agent.client)
    ids = listed_ids(html)
    assert len(ids) == 20
    for lead_id in ids:
        assert f'name="lead" value="{lead_id}" form="bulk-form"' in html
        assert f'name="page_lead" value="{lead_id}"' in html
    assert 'data-testid="bulk-bar"' in html
    total = upstream.expected(LeadFamily.ALL, default_list()).count
    assert total > 20
    shown = re.search(r'data-testid="bulk-scope-all">.*?(\d+) leads de la liste', html, re.S)
    assert shown and int(shown.group(1)) == total


def test_five_ticked_leads_go_to_a_colleague_with_a_reminder_then_come_back(
    agent, upstream, colleague
):  # type: ignore[no-untyped-def]
    ids = listed_ids(_list(agent.client))[:5]
    due = (timezone.now() + timedelta(minutes=2)).astimezone(PARIS)
    html = _post(
        agent.client,
        {
            "list": "/leads/",
            "scope": "selected",
            "lead": ids,
            "action": "assign",
            "assignee": colleague.pk,
            "assign_due": due.strftime("%Y-%m-%dT%H:%M"),
        },
    ).content.decode()
    assert _notice(html) == "5 leads assignés à Claire Martin."
    rows = LeadFollowup.objects.filter(agency=upstream.agency, lead_id__in=ids)
    assert sorted(rows.values_list("assignee_id", flat=True)) == [colleague.pk] * 5
    assert Reminder.objects.filter(person=colleague, followup__in=rows).count() == 5
    assert 'data-testid="bulk-undo"' in html
    # The notice is shown once.
    assert 'data-testid="bulk-notice"' not in _list(agent.client)

    token = re.search(r'name="token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    undone = _post(agent.client, {"token": token, "list": "/leads/"}, "/selection/annuler/")
    assert _notice(undone.content.decode()) == (
        "Modification annulée : 5 leads sont revenus comme avant."
    )
    assert not LeadFollowup.objects.filter(agency=upstream.agency).exists()
    assert not Reminder.objects.exists()
    again = _post(agent.client, {"token": token, "list": "/leads/"}, "/selection/annuler/")
    assert "Trop tard" in _notice(again.content.decode())


def test_the_whole_list_over_several_api_pages(agent, upstream):  # type: ignore[no-untyped-def]
    # Two weeks: some seeds' default week holds fewer than 100 leads.
    first, last = today_in_paris() - timedelta(days=13), today_in_paris()
    url = f"/leads/?start={first.isoformat()}&end={last.isoformat()}"
    listed = _list(agent.client, url)
    total = int(re.search(r"(\d+) leads de la liste", listed).group(1))  # type: ignore[union-attr]
    assert total == upstream.expected(LeadFamily.ALL, criteria_for(first, last)).count
    assert total > 100, "more than five pages of 20, and more than one API page of 100"
    html = _post(agent.client, {"list": url, "scope": "all", "action": "read"}).content.decode()
    assert _notice(html) == f"{total} leads marqués comme lus."
    assert LeadRead.objects.filter(user=agent.user).count() == total


def test_the_page_of_a_filtered_list_moves_to_a_stage_lost_with_its_reason(agent, upstream):  # type: ignore[no-untyped-def]
    url = "/leads/vendeurs/"
    ids = listed_ids(_list(agent.client, url))
    assert ids == list(upstream.expected(LeadFamily.SELLER, default_list()).lead_ids)
    reason = next(r for r in lost_reasons_of(upstream.agency) if r.label == "Injoignable")
    # Without a reason: refused, nothing changes.
    refused = _post(
        agent.client,
        {"list": url, "scope": "page", "page_lead": ids, "action": "stage", "status": "perdu"},
    ).content.decode()
    assert "Choisissez pourquoi le lead est « Perdu »" in _notice(refused)
    assert not LeadFollowup.objects.exists()
    html = _post(
        agent.client,
        {
            "list": url,
            "scope": "page",
            "page_lead": ids,
            "action": "stage",
            "status": "perdu",
            "lost_reason": reason.pk,
        },
    ).content.decode()
    assert _notice(html) == f"{len(ids)} leads passés à l'étape « Perdu »."
    assert set(LeadFollowup.objects.values_list("status", "lost_reason_id")) == {
        ("perdu", reason.pk)
    }
    assert FollowupEvent.objects.filter(kind="status", lost_reason=reason).count() == len(ids)


def test_nothing_ticked_says_so(agent):  # type: ignore[no-untyped-def]
    html = _post(
        agent.client, {"list": "/leads/", "scope": "selected", "action": "read"}
    ).content.decode()
    assert "Cochez au moins un lead" in _notice(html)


def test_another_agencys_leads_are_left_out(agent, upstream):  # type: ignore[no-untyped-def]
    mine = listed_ids(_list(agent.client))[:2]
    client_id = {"gsl": LYON_CLIENT[0], "seeker": NANTES_CLIENT[0]}[upstream.name]
    other = UpstreamCase(
        upstream.name, upstream.other, upstream.agency, upstream.sandbox, client_id
    )
    theirs = list(other.expected(LeadFamily.ALL, default_list(), PageRequest(size=3)).lead_ids)
    assert len(theirs) == 3
    html = _post(
        agent.client,
        {"list": "/leads/", "scope": "selected", "lead": [*mine, *theirs], "action": "read"},
    ).content.decode()
    assert _notice(html) == "2 leads marqués comme lus."
    assert set(LeadRead.objects.values_list("lead_id", flat=True)) == set(mine)
    # Only with theirs: nothing of this list.
    html = _post(
        agent.client, {"list": "/leads/", "scope": "selected", "lead": theirs, "action": "read"}
    ).content.decode()
    assert _notice(html) == "Aucun des leads choisis n'appartient à cette liste."


def test_someone_else_cannot_undo(agent, login, upstream, colleague):  # type: ignore[no-untyped-def]
    ids = listed_ids(_list(agent.client))[:3]
    html = _post(
        agent.client, {"list": "/leads/", "scope": "selected", "lead": ids, "action": "read"}
    ).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    other = login("other.agent", (upstream.agency, "agent"))
    refused = _post(other.client, {"token": token, "list": "/leads/"}, "/selection/annuler/")
    assert "Trop tard" in _notice(refused.content.decode())
    assert LeadRead.objects.filter(user=agent.user).count() == 3


def test_the_selection_exports_as_csv(manager):  # type: ignore[no-untyped-def]
    ids = listed_ids(_list(manager.client))[:4]
    response = manager.client.post(
        "/exports/selection/", {"list": "/leads/", "scope": "selected", "lead": ids}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    exported = {row[1] for row in rows[1:]}
    assert exported == set(ids)


def test_an_agent_may_not_export_the_selection_when_the_agency_says_no(agent, upstream):  # type: ignore[no-untyped-def]
    upstream.agency.agents_can_export = False
    upstream.agency.save()
    ids = listed_ids(_list(agent.client))[:2]
    assert 'data-testid="bulk-export"' not in _list(agent.client)
    response = agent.client.post("/exports/selection/", {"list": "/leads/", "lead": ids})
    assert response.status_code == 403


def test_a_reminder_on_every_lead_of_a_list_over_several_api_pages(agent, colleague):  # type: ignore[no-untyped-def]
    listed = _list(agent.client)
    total = int(re.search(r"(\d+) leads de la liste", listed).group(1))  # type: ignore[union-attr]
    due = (timezone.now() + timedelta(days=1)).astimezone(PARIS)
    html = _post(
        agent.client,
        {
            "list": "/leads/",
            "scope": "all",
            "action": "remind",
            "due": due.strftime("%Y-%m-%dT%H:%M"),
            "person": colleague.pk,
            "text": "Relancer",
        },
    ).content.decode()
    assert _notice(html) == f"{total} rappels ajoutés."
    assert Reminder.objects.filter(person=colleague, text="Relancer").count() == total
    # A time in the past is refused with the reminder form's own words, and nothing is added.
    refused = _post(
        agent.client,
        {
            "list": "/leads/",
            "scope": "all",
            "action": "remind",
            "due": "2020-01-01T10:00",
            "person": colleague.pk,
        },
    ).content.decode()
    assert "Cette heure est déjà passée" in _notice(refused)
    assert Reminder.objects.count() == total


def test_unread_again_and_all_of_a_locally_filtered_list(agent, colleague):  # type: ignore[no-untyped-def]
    ids = listed_ids(_list(agent.client))[:6]
    _post(agent.client, {"list": "/leads/", "scope": "selected", "lead": ids, "action": "read"})
    html = _post(
        agent.client,
        {"list": "/leads/", "scope": "selected", "lead": ids[:2], "action": "unread"},
    ).content.decode()
    assert _notice(html) == "2 leads marqués comme non lus."
    assert set(LeadRead.objects.values_list("lead_id", flat=True)) == set(ids[2:])

    # "Mes leads" is answered from our database: give three to the agent, then act on all of it.
    _post(
        agent.client,
        {
            "list": "/leads/",
            "scope": "selected",
            "lead": ids[:3],
            "action": "assign",
            "assignee": agent.user.pk,
        },
    )
    mine = "/leads/?assignee=moi"
    assert sorted(listed_ids(_list(agent.client, mine))) == sorted(ids[:3])
    html = _post(
        agent.client, {"list": mine, "scope": "all", "action": "assign", "assignee": colleague.pk}
    ).content.decode()
    assert _notice(html) == "3 leads assignés à Claire Martin."
    assert listed_ids(_list(agent.client, mine)) == []


def test_every_lead_of_a_listings_page(agent, upstream):  # type: ignore[no-untyped-def]
    # The busiest listing of the month: more than one page of leads on its own page.
    today = today_in_paris()
    leads, _count = upstream_leads(
        upstream, LeadFamily.ALL, criteria_for(today - timedelta(days=29), today)
    )
    listings = Counter(lead.classified.classified_id for lead in leads if lead.classified)
    url = f"/annonces/{listings.most_common(1)[0][0]}/leads/"
    listed = _list(agent.client, url)
    total = int(re.search(r"(\d+) leads de la liste", listed).group(1))  # type: ignore[union-attr]
    assert total > len(listed_ids(listed)), "more than one page"
    html = _post(agent.client, {"list": url, "scope": "all", "action": "read"}).content.decode()
    assert _notice(html) == f"{total} leads marqués comme lus."
    assert LeadRead.objects.count() == total
