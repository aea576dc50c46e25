"""Searches against the generated data: date window, filters, order, pagination, lead types,
the per-listing route and the lead detail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadsportal.sandbox.data import ANCHOR
from leadsportal.sandbox.data import iso as data_iso
from leadsportal.sandbox.state import data_for

from .conftest import LYON, PARIS, SEARCH_ROUTES, SandboxApi, criteria, iso, parse_iso


def _ids(page: dict) -> list[str]:
    return [lead["leadMetaInfos"]["leadId"] for lead in page["Data"]["Leads"]]


def _expected_count(client_id: str, days_back: float, length_days: float, **filters) -> int:
    start = int((ANCHOR - timedelta(days=days_back)).timestamp())
    end = start + int(length_days * 86_400)
    return sum(
        1
        for row in data_for(client_id).rows
        if start <= row.ts < end
        and (filters.get("lead_type") in (None, row.lead_type))
        and ("classified_ids" not in filters or row.classified_id in filters["classified_ids"])
        and ("portals" not in filters or row.portal in filters["portals"])
    )


def test_it_returns_the_leads_of_the_date_window_newest_first(api: SandboxApi) -> None:
    page = api.search(days_back=20, length_days=7, page_size=100)

    leads = page["Data"]["Leads"]
    dates = [parse_iso(lead["leadMetaInfos"]["creationDate"]) for lead in leads]
    start = ANCHOR - timedelta(days=20)
    assert all(start <= date < start + timedelta(days=7) for date in dates)
    assert dates == sorted(dates, reverse=True)
    assert page["Count"] == _expected_count(PARIS, 20, 7)
    assert 50 < page["Count"] < 200  # about 2,000 leads over 120 days


def test_it_includes_the_start_date_and_excludes_the_end_date(api: SandboxApi) -> None:
    row = data_for(PARIS).rows[1000]
    created = parse_iso(data_iso(row.ts))

    def ids(start, end) -> list[str]:
        body = {
            "SearchCriteria": {"StartDate": iso(start), "EndDate": iso(end)},
            "Pagination": {"PageSize": 100},
        }
        return _ids(api.post("/v2/leads/search", body).json())

    assert row.lead_id in ids(created, created + timedelta(seconds=1))
    assert row.lead_id not in ids(created - timedelta(hours=1), created)
    assert row.lead_id in ids(created - timedelta(hours=1), created + timedelta(seconds=1))


def test_it_filters_by_classified_ids(api: SandboxApi) -> None:
    data = data_for(PARIS)
    busiest = sorted(
        data.by_classified, key=lambda cid: len(data.by_classified[cid]), reverse=True
    )[:2]

    page = api.search(days_back=90, length_days=90, ClassifiedIds=busiest)

    assert page["Count"] == _expected_count(PARIS, 90, 90, classified_ids=set(busiest)) > 0
    for lead in page["Data"]["Leads"]:
        assert lead["leadMetaInfos"]["leadType"] == "CLASSIFIED"
        assert lead["classified"]["classifiedId"] in busiest


def test_it_filters_by_portals(api: SandboxApi) -> None:
    portals = ["BDS-FRA", "LUX-FRA"]

    page = api.search(days_back=90, length_days=90, Portals=portals)

    assert page["Count"] == _expected_count(PARIS, 90, 90, portals=set(portals)) > 0
    assert {lead["leadMetaInfos"]["portal"] for lead in page["Data"]["Leads"]} == set(portals)


def test_it_combines_filters(api: SandboxApi) -> None:
    data = data_for(PARIS)
    cids = list(data.by_classified)[:10]

    page = api.search(days_back=90, length_days=90, ClassifiedIds=cids, Portals=["SLG-FRA"])

    assert page["Count"] == _expected_count(
        PARIS, 90, 90, classified_ids=set(cids), portals={"SLG-FRA"}
    )


def test_it_treats_empty_filter_arrays_as_no_filter(api: SandboxApi) -> None:
    unfiltered = api.search(days_back=30, length_days=30)
    empty = api.search(days_back=30, length_days=30, ClassifiedIds=[], Portals=[])

    assert empty["Count"] == unfiltered["Count"]


def test_it_paginates_with_a_stable_count(api: SandboxApi) -> None:
    whole = api.search(days_back=60, length_days=30, page_size=21)
    pages = [api.search(days_back=60, length_days=30, page_size=7, page_index=i) for i in (1, 2, 3)]

    assert [lead_id for page in pages for lead_id in _ids(page)] == _ids(whole)
    assert {page["Count"] for page in pages} == {whole["Count"]}


def test_it_returns_the_last_partial_page_and_an_empty_page_past_the_end(api: SandboxApi) -> None:
    count = api.search(days_back=10, length_days=3, page_size=10)["Count"]
    last_index = (count + 9) // 10

    last = api.search(days_back=10, length_days=3, page_size=10, page_index=last_index)
    past = api.search(days_back=10, length_days=3, page_size=10, page_index=last_index + 1)

    assert len(last["Data"]["Leads"]) == count - (last_index - 1) * 10
    assert past["Data"]["Leads"] == []
    assert past["Count"] == count


def test_it_defaults_to_the_first_page_of_20(api: SandboxApi) -> None:
    response = api.post(
        "/v2/leads/search", {"SearchCriteria": criteria(days_back=60, length_days=60)}
    )

    assert len(response.json()["Data"]["Leads"]) == 20


def test_it_returns_an_empty_page_outside_the_data(api: SandboxApi) -> None:
    page = api.search(days_back=400, length_days=30)

    assert page == {"Data": {"Leads": []}, "Count": 0}


@pytest.mark.parametrize(("path", "lead_type"), [(p, t) for p, t in SEARCH_ROUTES.items() if t])
def test_each_family_route_returns_only_its_type(
    api: SandboxApi, path: str, lead_type: str
) -> None:
    page = api.search(path, days_back=60, length_days=60)

    assert page["Count"] == _expected_count(PARIS, 60, 60, lead_type=lead_type) > 0
    assert {lead["leadMetaInfos"]["leadType"] for lead in page["Data"]["Leads"]} == {lead_type}


def test_the_general_route_returns_every_type(api: SandboxApi) -> None:
    total = api.search(days_back=60, length_days=60)["Count"]
    by_family = [
        api.search(path, days_back=60, length_days=60)["Count"]
        for path, t in SEARCH_ROUTES.items()
        if t
    ]

    assert total == sum(by_family)
    leads = api.search(days_back=60, length_days=60, page_size=100)["Data"]["Leads"]
    assert len({lead["leadMetaInfos"]["leadType"] for lead in leads}) == 4


def test_the_classified_route_returns_every_lead_of_the_listing(api: SandboxApi) -> None:
    data = data_for(PARIS)
    cid = max(data.by_classified, key=lambda c: len(data.by_classified[c]))
    expected = [row.lead_id for row in reversed(data.by_classified[cid])]

    pages = [api.post(f"/v2/classifieds/{cid}/leads", {"Pagination": {"PageSize": 100}}).json()]
    for index in range(2, -(-len(expected) // 100) + 1):  # the busiest may have over 200
        page = {"Pagination": {"PageSize": 100, "PageIndex": index}}
        pages.append(api.post(f"/v2/classifieds/{cid}/leads", page).json())
    leads = [lead for page in pages for lead in page["Data"]["Leads"]]

    assert pages[0]["Count"] == len(expected) > 20
    assert [lead["leadMetaInfos"]["leadId"] for lead in leads] == expected
    assert {lead["classified"]["classifiedId"] for lead in leads} == {cid}
    # No date window: the listing's leads span more than the 92 days a search may cover.
    dates = [parse_iso(lead["leadMetaInfos"]["creationDate"]) for lead in leads]
    assert max(dates) - min(dates) > timedelta(days=92)


def test_the_classified_route_works_without_a_body(api: SandboxApi) -> None:
    cid = next(iter(data_for(PARIS).listings))

    response = api.session.post(
        api.url(f"/v2/classifieds/{cid}/leads"),
        headers={"Authorization": f"Bearer {api.token()}"},
        timeout=10,
    )

    assert response.status_code == 200
    assert response.json()["Count"] == len(data_for(PARIS).by_classified[cid])


def test_the_classified_route_has_no_lead_for_a_listing_of_another_client(api: SandboxApi) -> None:
    lyon_cid = next(iter(data_for(LYON).listings))

    page = api.post(f"/v2/classifieds/{lyon_cid}/leads", {}).json()

    assert page == {"Data": {"Leads": []}, "Count": 0}


def test_the_lead_route_returns_the_lead_as_listed(api: SandboxApi) -> None:
    listed = api.search(days_back=5, length_days=5, page_size=5)["Data"]["Leads"]

    for lead in listed:
        detail = api.get(f"/v2/leads/{lead['leadMetaInfos']['leadId']}")
        assert detail.status_code == 200
        assert detail.json() == lead


def test_clients_see_different_leads(api: SandboxApi) -> None:
    paris = _ids(api.search(days_back=30, length_days=30))
    lyon = _ids(api.search(days_back=30, length_days=30, client_id=LYON))

    assert paris and lyon
    assert not set(paris) & set(lyon)
