"""Golden responses: hand-written API bodies (tests/leads_api/golden/) against the contract.

The oracle is not the code under test. The golden files were written by hand from the schemas
of docs/api/gsl-leads-v2.yaml, and the values expected from them are written out below:
- each file validates against the YAML (openapi-core, as tests/sandbox/test_contract.py does),
  and uses only member names the YAML declares, spelt as it spells them;
- contract.py reads from each file exactly the values written out here;
- LeadsApiClient reads the same values when the files are served over real HTTP by a tiny
  server of this module (http.server on 127.0.0.1, with its own token endpoint).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import yaml
from django.conf import settings
from openapi_core import Config, OpenAPI
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse

from leadsportal.leads_api import (
    LeadFamily,
    LeadsApiClient,
    LeadsApiNotFound,
    LeadsApiValidationError,
    PageRequest,
    SearchCriteria,
    contract,
)
from leadsportal.leads_api.contract import (
    GSL_LEAD_TYPES,
    Classified,
    Contact,
    Estimation,
    FieldError,
    Lead,
    LeadMeta,
    LeadType,
    PhoneNumber,
    Problem,
    PropertySearch,
)
from tests.leads_api.conftest import PARIS, make_credentials

GOLDEN = Path(__file__).parent / "golden"
SPEC = Path(settings.BASE_DIR) / "docs/api/gsl-leads-v2.yaml"
HOST = "http://golden.invalid"


def golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


# --- What the golden files say, written out by hand -------------------------------------------

AGENCY_ID = 48213

EXPECTED_LEADS: dict[str, Lead] = {
    "lead-classified.json": Lead(
        meta=LeadMeta(
            lead_id="8d0c2a4e-1f6b-4b7a-9c3e-5a2d7f9e1b03",
            lead_type=LeadType.CLASSIFIED,
            creation_date=datetime(2026, 3, 14, 9, 15, tzinfo=UTC),  # 10:15 at +01:00
            portal="SLG-FRA",
            agency_id=AGENCY_ID,
            expiration_date=datetime(2029, 3, 14, 9, 15, tzinfo=UTC),
        ),
        contact=Contact(
            first_name="Élodie",
            last_name="Marchand",
            email="elodie.marchand@example.org",
            phone_numbers=(
                PhoneNumber(number="+33612345678", type="MOBILE", is_verified=True),
                PhoneNumber(number="01 42 68 53 00", type="LANDLINE", is_verified=False),
            ),
            gender="FEMALE",
            language="FR",
            message="Bonjour, l'appartement est-il toujours disponible ? Visite possible samedi.",
            is_owner=False,
        ),
        classified=Classified(
            classified_id=219876543,
            reference="PAR-11-0427",
            title="Appartement 3 pièces avec balcon",
            transaction_type="SALE",
            estate_type="APARTMENT",
            price=485000.0,
            living_area=64.5,
            rooms=3,
            postal_code="75011",
            city="Paris",
            url="https://www.seloger.com/annonces/achat/appartement/paris-11eme-75/219876543.htm",
        ),
    ),
    "lead-agency.json": Lead(
        meta=LeadMeta(
            lead_id="c41e9b70-6d2a-4f15-8e3b-0a9d4c7f2e61",
            lead_type=LeadType.AGENCY,
            creation_date=datetime(2026, 3, 2, 16, 40, 12, tzinfo=UTC),
            portal="LIM-FRA",
            agency_id=AGENCY_ID,
            intention="RENT",
            expiration_date=datetime(2029, 3, 2, 16, 40, 12, tzinfo=UTC),
        ),
        contact=Contact(
            first_name="Karim",
            last_name="Benali",
            email="k.benali@example.net",
            phone_numbers=(PhoneNumber(number="07 81 22 33 44", type="MOBILE"),),
            gender="MALE",
            language="EN",
            message="Hello, I am looking for a furnished flat to rent from May.",
        ),
    ),
    "lead-seller.json": Lead(
        meta=LeadMeta(
            lead_id="5b7f0e2d-93c1-4a86-b2d4-7e1f0c9a3d58",
            lead_type=LeadType.SELLER,
            creation_date=datetime(2026, 2, 27, 8, 5, 30, 250_000, tzinfo=UTC),
            portal="MAG-FRA",
            agency_id=AGENCY_ID,
            expiration_date=datetime(2029, 2, 27, 8, 5, 30, tzinfo=UTC),
        ),
        contact=Contact(
            first_name="Jeanne",
            last_name="Dupuis-Roche",
            email="jeanne.dupuis-roche@example.fr",
            phone_numbers=(
                PhoneNumber(number="04 78 00 11 22", type="LANDLINE", is_verified=True),
            ),
            gender="PREFER_NOT_TO_DISCLOSE",
            language="FR",
            message=None,
            is_owner=True,
        ),
        estimation=Estimation(
            estate_type="HOUSE",
            address="12 rue des Tilleuls",
            postal_code="69005",
            city="Lyon",
            living_area=132.0,
            rooms=6,
            estimated_price_min=612000.0,
            estimated_price_max=668500.5,
            sale_timeframe="LESS_THAN_6_MONTHS",
        ),
    ),
    "lead-property-search.json": Lead(
        meta=LeadMeta(
            lead_id="e2a9d6c1-07b4-4e3f-a518-3c6b9f2d0e74",
            lead_type=LeadType.PROPERTY_SEARCH,
            creation_date=datetime(2026, 1, 19, 21, 0, tzinfo=UTC),
            portal="BDS-FRA",
            agency_id=AGENCY_ID,
            expiration_date=datetime(2029, 1, 19, 21, 0, tzinfo=UTC),
        ),
        contact=Contact(
            first_name="Tomás",
            last_name="Oliveira",
            email="tomas.oliveira@example.com",
            phone_numbers=(
                PhoneNumber(number="+351 912 345 678", type="MOBILE", is_verified=True),
            ),
            gender="MALE",
            language="PT",
            message="Recherche maison avec jardin, proche écoles.",
        ),
        property_search=PropertySearch(
            transaction_type="SALE",
            estate_types=("HOUSE", "APARTMENT"),
            rooms_min=4,
            rooms_max=None,
            living_area_min=90.0,
            living_area_max=160.5,
            budget_min=450000.0,
            budget_max=720000.0,
            city="Bordeaux",
            postal_codes=("33000", "33200"),
        ),
    ),
    "lead-gdpr-erased.json": Lead(
        meta=LeadMeta(
            lead_id="0f3b8e61-2c7d-4a19-b6e5-d48a1c9f7b22",
            lead_type=LeadType.CLASSIFIED,
            creation_date=datetime(2025, 12, 5, 11, 22, 33, tzinfo=UTC),
            portal="SLN-FRA",
            agency_id=AGENCY_ID,
            expiration_date=datetime(2028, 12, 5, 11, 22, 33, tzinfo=UTC),
        ),
        contact=Contact(),  # every personal member null, no phone number
        classified=Classified(
            classified_id=219001122,
            title="Studio neuf, livraison 2027",
            transaction_type="SALE",
            estate_type="APARTMENT",
            price=239900.0,
            living_area=27.8,
            rooms=1,
            postal_code="93200",
            city="Saint-Denis",
        ),
    ),
}

EXPECTED_PAGE_LEADS = (
    Lead(
        meta=LeadMeta(
            lead_id="a6d1f0b9-4e2c-4c83-9f17-2b5e8d0a6c39",
            lead_type=LeadType.AGENCY,
            creation_date=datetime(2026, 3, 20, 13, 45, tzinfo=UTC),
            portal="SLG-FRA",
        ),
        # A first name and an email: not erased, although the rest is missing.
        contact=Contact(
            first_name="Noah",
            email="noah@example.com",
            message="Quels sont vos honoraires de gestion ?",
        ),
    ),
    Lead(
        meta=LeadMeta(
            lead_id="3c8e5a27-b1d9-4f60-8a4e-9d2c7b1e0f85",
            lead_type=LeadType.CLASSIFIED,
            creation_date=datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
            portal="LIM-FRA",
        ),
        contact=Contact(
            first_name="Inès",
            last_name="Roux",
            email="ines.roux@example.fr",
            phone_numbers=(PhoneNumber(number="0699887766", type="MOBILE"),),
        ),
        classified=Classified(
            classified_id=218555001, transaction_type="RENT", estate_type="PARKING", price=95.5
        ),
    ),
)
PAGE_COUNT = 45

EXPECTED_PROBLEM = Problem(
    status=400,
    title="One or more validation errors occurred.",
    detail="The search criteria are not valid.",
    type="https://tools.ietf.org/html/rfc7231#section-6.5.1",
    errors=(
        FieldError(field="EndDate", message="Missing required parameter 'endDate'."),
        FieldError(field="PageSize", message="PageSize must be between 1 and 100."),
    ),
)

LEAD_FILES = sorted(EXPECTED_LEADS)


def test_the_golden_files_are_the_ones_checked_here() -> None:
    on_disk = {path.name for path in GOLDEN.glob("*.json")}
    assert on_disk == {*LEAD_FILES, "page-search.json", "problem-validation.json"}
    # One lead of each type of the contract, and one erased contact.
    assert {lead.lead_type for lead in EXPECTED_LEADS.values()} == GSL_LEAD_TYPES
    assert [name for name, lead in EXPECTED_LEADS.items() if lead.contact.is_erased] == [
        "lead-gdpr-erased.json"
    ]


# --- (a) The files follow the YAML ----------------------------------------------------------


def _closed(node: Any) -> Any:
    """The schema with `additionalProperties: false` on every object that lists properties."""
    if isinstance(node, dict):
        closed = {key: _closed(value) for key, value in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            closed["additionalProperties"] = False
        return closed
    if isinstance(node, list):
        return [_closed(item) for item in node]
    return node


def _openapi(spec: dict[str, Any]) -> OpenAPI:
    spec = copy.deepcopy(spec)
    spec["servers"] = [{"url": HOST}]
    # openapi-core knows application/json but not RFC 7807's application/problem+json.
    config = Config(extra_media_type_deserializers={"application/problem+json": json_loads})
    return OpenAPI.from_dict(spec, config=config)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module", params=["as-written", "closed"])
def openapi(request: pytest.FixtureRequest, spec: dict[str, Any]) -> OpenAPI:
    """The contract as written (servers tolerate extra members), and a closed copy in which an
    undeclared member name is an error: a golden file must not invent or misspell one."""
    if request.param == "closed":
        return _openapi({**spec, "components": _closed(spec["components"])})
    return _openapi(spec)


def validate(openapi: OpenAPI, method: str, path: str, status: int, body: Any) -> None:
    content_type = "application/problem+json" if status >= 400 else "application/json"
    request = MockRequest(HOST, method, path, content_type="application/json")
    response = MockResponse(
        json.dumps(body).encode(), status_code=status, content_type=content_type
    )
    openapi.validate_response(request, response)


SEARCH_PATHS = {
    None: "/v2/leads/search",
    LeadType.CLASSIFIED: "/v2/classifieds/leads/search",
    LeadType.AGENCY: "/v2/agencies/leads/search",
    LeadType.SELLER: "/v2/sellers/leads/search",
    LeadType.PROPERTY_SEARCH: "/v2/propertysearches/leads/search",
}


@pytest.mark.parametrize("name", LEAD_FILES)
def test_each_golden_lead_follows_the_contract(openapi: OpenAPI, name: str) -> None:
    body = golden(name)
    lead_type = EXPECTED_LEADS[name].lead_type

    validate(openapi, "GET", f"/v2/leads/{body['leadMetaInfos']['leadId']}", 200, body)
    # And as the one lead of a page of its type's search route, and of the all-types route.
    for path in (SEARCH_PATHS[None], SEARCH_PATHS[lead_type]):
        validate(openapi, "POST", path, 200, {"Data": {"Leads": [body]}, "Count": 1})


def test_the_golden_page_follows_the_contract(openapi: OpenAPI) -> None:
    validate(openapi, "POST", "/v2/leads/search", 200, golden("page-search.json"))


def test_the_golden_problem_follows_the_contract(openapi: OpenAPI) -> None:
    validate(openapi, "POST", "/v2/leads/search", 400, golden("problem-validation.json"))


@pytest.mark.parametrize(
    ("name", "break_it"),
    [
        ("lead-agency.json", lambda body: body["leadMetaInfos"].update(leadType="BUYER")),
        ("lead-agency.json", lambda body: body["leadMetaInfos"].pop("creationDate")),
        ("lead-seller.json", lambda body: body["estimation"].update(rooms="6")),
        ("lead-seller.json", lambda body: body["leadMetaInfos"].update(creationDate="27/02/2026")),
        ("lead-classified.json", lambda body: body["leadMetaInfos"].update(portal="XXX-FRA")),
        ("lead-classified.json", lambda body: body["contactRequest"].update(phoneNumbers={})),
        ("page-search.json", lambda body: body.update(Count="45")),
        ("page-search.json", lambda body: body["Data"].pop("Leads")),
        ("problem-validation.json", lambda body: body["errors"][0].pop("message")),
        ("problem-validation.json", lambda body: body.update(status="400")),
    ],
)
def test_the_schema_check_is_not_vacuous(openapi: OpenAPI, name: str, break_it: Any) -> None:
    body = golden(name)
    break_it(body)
    if name.startswith("lead-"):
        call = ("GET", "/v2/leads/some-lead", 200)
    elif name.startswith("page-"):
        call = ("POST", "/v2/leads/search", 200)
    else:
        call = ("POST", "/v2/leads/search", 400)

    with pytest.raises(OpenAPIError):
        validate(openapi, *call, body)


def test_the_closed_contract_catches_a_misspelt_member(spec: dict[str, Any]) -> None:
    body = golden("lead-seller.json")
    body["estimation"]["postalcode"] = body["estimation"].pop("postalCode")

    validate(_openapi(spec), "GET", "/v2/leads/x", 200, body)  # the contract tolerates it
    with pytest.raises(OpenAPIError):
        validate(
            _openapi({**spec, "components": _closed(spec["components"])}),
            "GET",
            "/v2/leads/x",
            200,
            body,
        )


# --- (b) contract.py reads the values written out above ---------------------------------------


@pytest.mark.parametrize("name", LEAD_FILES)
def test_each_golden_lead_parses_to_the_expected_values(name: str) -> None:
    lead = contract.parse_lead(golden(name))

    assert lead == EXPECTED_LEADS[name]
    for moment in (lead.meta.creation_date, lead.meta.expiration_date):
        assert moment is not None and moment.utcoffset() is not None  # aware, never naive


def test_the_classified_lead_in_detail() -> None:
    lead = contract.parse_lead(golden("lead-classified.json"))

    assert lead.lead_id == "8d0c2a4e-1f6b-4b7a-9c3e-5a2d7f9e1b03"
    assert lead.lead_type is LeadType.CLASSIFIED
    assert lead.meta.creation_date == datetime(2026, 3, 14, 9, 15, tzinfo=UTC)
    assert lead.meta.creation_date.utcoffset() is not None
    assert [(p.number, p.type, p.is_verified) for p in lead.contact.phone_numbers] == [
        ("+33612345678", "MOBILE", True),
        ("01 42 68 53 00", "LANDLINE", False),
    ]
    assert lead.classified is not None
    assert lead.classified.classified_id == 219876543
    assert lead.classified.price == 485000.0 and isinstance(lead.classified.price, float)
    assert lead.contact.full_name == "Élodie Marchand"
    assert not lead.contact.is_erased


def test_the_erased_contact_is_recognised() -> None:
    lead = contract.parse_lead(golden("lead-gdpr-erased.json"))

    assert lead.contact.is_erased
    assert lead.contact.phone_numbers == ()
    assert lead.contact.full_name == ""
    assert lead.classified is not None and lead.classified.classified_id == 219001122


def test_the_golden_page_parses_to_the_expected_values() -> None:
    page = contract.parse_lead_page(golden("page-search.json"), PageRequest(index=1, size=20))

    assert page.leads == EXPECTED_PAGE_LEADS
    assert page.count == PAGE_COUNT
    assert page.page_count == 3  # 45 leads by 20: 20 + 20 + 5
    assert not any(lead.contact.is_erased for lead in page.leads)
    assert page.leads[0].contact.full_name == "Noah"
    big = contract.parse_lead_page(golden("page-search.json"), PageRequest(size=100))
    assert big.page_count == 1


def test_the_golden_problem_parses_to_the_expected_values() -> None:
    assert contract.parse_problem(golden("problem-validation.json"), 400) == EXPECTED_PROBLEM


# --- (c) The client reads them over HTTP --------------------------------------------------------

TOKEN = "golden-access-token"


@dataclass
class GoldenApi:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    def seen(self, path: str) -> list[dict[str, Any]]:
        return [request for request in self.requests if request["path"] == path]


class GoldenHandler(BaseHTTPRequestHandler):
    """The API as the golden files tell it: a token endpoint, the golden leads by id, the golden
    page for a search, and the golden problem for a search whose PageSize is over 100."""

    api: GoldenApi
    leads: dict[str, bytes]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _problem(self, status: int, title: str) -> None:
        body = json.dumps({"title": title, "status": status}).encode()
        self._answer(status, body, "application/problem+json")

    def _read(self) -> tuple[bytes, bool]:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        authorized = self.headers.get("Authorization") == f"Bearer {TOKEN}"
        self.api.requests.append(
            {
                "method": self.command,
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "body": body,
            }
        )
        return body, authorized

    def do_GET(self) -> None:
        _, authorized = self._read()
        if not authorized:
            return self._problem(401, "Unauthorized")
        lead_id = self.path.removeprefix("/v2/leads/")
        if self.path.startswith("/v2/leads/") and lead_id in self.leads:
            return self._answer(200, self.leads[lead_id])
        return self._problem(404, "Not Found")

    def do_POST(self) -> None:
        body, authorized = self._read()
        if self.path == "/oauth/token":
            form = parse_qs(body.decode())
            if form.get("grant_type") != ["client_credentials"]:
                return self._answer(400, b'{"error": "unsupported_grant_type"}')
            token = {
                "access_token": TOKEN,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": contract.SCOPE,
            }
            return self._answer(200, json.dumps(token).encode())
        if not authorized:
            return self._problem(401, "Unauthorized")
        if self.path == "/v2/leads/search":
            if json.loads(body)["Pagination"]["PageSize"] > 100:
                problem = (GOLDEN / "problem-validation.json").read_bytes()
                return self._answer(400, problem, "application/problem+json")
            return self._answer(200, (GOLDEN / "page-search.json").read_bytes())
        return self._problem(404, "Not Found")


@pytest.fixture(scope="module")
def golden_server() -> Iterator[GoldenApi]:
    leads = {
        golden(name)["leadMetaInfos"]["leadId"]: (GOLDEN / name).read_bytes() for name in LEAD_FILES
    }
    handler = type("Handler", (GoldenHandler,), {"leads": leads})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    handler.api = GoldenApi(url=f"http://{host}:{port}")
    thread = threading.Thread(target=server.serve_forever, name="golden-api", daemon=True)
    thread.start()
    try:
        yield handler.api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def golden_api(golden_server: GoldenApi) -> GoldenApi:
    golden_server.requests.clear()
    return golden_server


@pytest.fixture
def client(golden_api: GoldenApi) -> Iterator[LeadsApiClient]:
    api_client = LeadsApiClient(make_credentials(golden_api.url, PARIS), max_retries=0)
    yield api_client
    api_client.close()


def test_the_client_reads_each_golden_lead_over_http(
    client: LeadsApiClient, golden_api: GoldenApi
) -> None:
    for name in LEAD_FILES:
        expected = EXPECTED_LEADS[name]
        assert client.get_lead(expected.lead_id) == expected, name

    # One token for every call, sent as a bearer token.
    assert len(golden_api.seen("/oauth/token")) == 1
    api_calls = [r for r in golden_api.requests if r["path"] != "/oauth/token"]
    assert len(api_calls) == len(LEAD_FILES)
    assert {r["authorization"] for r in api_calls} == {f"Bearer {TOKEN}"}
    with pytest.raises(LeadsApiNotFound):
        client.get_lead("no-such-lead")


def test_the_client_reads_the_golden_page_over_http(
    client: LeadsApiClient, golden_api: GoldenApi
) -> None:
    criteria = SearchCriteria(
        start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 3, 21, tzinfo=UTC)
    )

    page = client.search(LeadFamily.ALL, criteria, PageRequest(index=1, size=20))

    assert page.leads == EXPECTED_PAGE_LEADS
    assert (page.count, page.page_count) == (PAGE_COUNT, 3)
    (search,) = golden_api.seen("/v2/leads/search")
    assert json.loads(search["body"]) == {
        "SearchCriteria": {"StartDate": "2026-03-01T00:00:00Z", "EndDate": "2026-03-21T00:00:00Z"},
        "Pagination": {"PageIndex": 1, "PageSize": 20},
    }


def test_the_client_reads_the_golden_problem_over_http(client: LeadsApiClient) -> None:
    criteria = SearchCriteria(
        start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 3, 21, tzinfo=UTC)
    )

    with pytest.raises(LeadsApiValidationError) as excinfo:
        client.search(LeadFamily.ALL, criteria, PageRequest(size=101))

    assert excinfo.value.problem == EXPECTED_PROBLEM
    assert [(e.field, e.message) for e in excinfo.value.errors] == [
        ("EndDate", "Missing required parameter 'endDate'."),
        ("PageSize", "PageSize must be between 1 and 100."),
    ]
    assert "EndDate" in excinfo.value.user_message and "PageSize" in excinfo.value.user_message
