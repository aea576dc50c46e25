"""The request log: one JSON line per request, with who, what, how long, and no personal data."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import path

from leadsportal.agencies.models import Agency
from leadsportal.core import views as core_views
from leadsportal.core.logging import JsonFormatter
from leadsportal.lib import request_metrics
from tests.fixtures import LoggedIn


def fake_upstream_view(request: HttpRequest) -> HttpResponse:
    """Stands in for a dashboard view: reports two API calls and one token request, as the
    leads API client does for each call it makes."""
    metrics = request_metrics.current()
    assert metrics is not None
    metrics.record_token_request()
    metrics.record_call(12.5)
    metrics.record_call(7.5)
    return JsonResponse({"leads": 2})


urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("leads/", fake_upstream_view, name="test-leads"),
]


RequestLog = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def request_log(caplog: pytest.LogCaptureFixture) -> RequestLog:
    """The request log lines so far, each as the JSON formatter writes it."""
    caplog.set_level(logging.INFO, logger="leadsportal.request")
    formatter = JsonFormatter()

    def lines() -> list[dict[str, Any]]:
        formatted = [
            formatter.format(record)
            for record in caplog.records
            if record.name == "leadsportal.request"
        ]
        assert all("\n" not in line for line in formatted)
        return [json.loads(line) for line in formatted]

    return lines


@pytest.fixture
def staff_user(django_user_model: type[AbstractBaseUser]) -> AbstractBaseUser:
    return django_user_model.objects.create_user(  # type: ignore[attr-defined,no-any-return]
        username="camille.staff", password="not-used-here-8c1f"
    )


@pytest.mark.django_db
def test_it_logs_one_json_line_per_request(client: Client, request_log: RequestLog) -> None:
    client.get("/healthz")
    client.get("/healthz")

    lines = request_log()

    assert len(lines) == 2
    line = lines[0]
    assert line["logger"] == "leadsportal.request"
    assert line["route"] == "healthz"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["user_id"] is None
    assert line["upstream_calls"] == 0
    assert line["token_requests"] == 0
    assert line["duration_ms"] >= 0


@pytest.mark.django_db
def test_it_logs_the_signed_in_user(
    client: Client, staff_user: AbstractBaseUser, request_log: RequestLog
) -> None:
    client.force_login(staff_user)

    client.get("/healthz")

    assert [line["user_id"] for line in request_log()] == [staff_user.pk]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_it_counts_the_upstream_calls_of_the_request(
    client: Client, staff_user: AbstractBaseUser, request_log: RequestLog
) -> None:
    client.force_login(staff_user)

    client.get("/leads/")
    client.get("/healthz")

    first, second = request_log()
    assert first["route"] == "test-leads"
    assert first["user_id"] == staff_user.pk
    assert first["upstream_calls"] == 2
    assert first["upstream_ms"] == 20.0
    assert first["token_requests"] == 1
    # Counters belong to one request: the next one starts from zero.
    assert second["upstream_calls"] == 0
    assert second["token_requests"] == 0


@pytest.mark.django_db
def test_it_leaves_the_query_string_out(client: Client, request_log: RequestLog) -> None:
    client.get("/healthz", {"q": "Dupont", "phone": "0612345678"})

    (line,) = request_log()
    text = json.dumps(line)
    assert "Dupont" not in text
    assert "0612345678" not in text


@pytest.mark.django_db
def test_it_logs_unknown_urls_without_a_route(client: Client, request_log: RequestLog) -> None:
    client.get("/no-such-page/jean.martin@example.fr")

    (line,) = request_log()
    assert line["status"] == 404
    assert line["route"] is None
    assert "jean.martin" not in json.dumps(line)


@pytest.mark.django_db
def test_it_marks_htmx_requests(client: Client, request_log: RequestLog) -> None:
    client.get("/healthz", headers={"HX-Request": "true"})

    (line,) = request_log()
    assert line["htmx"] is True


def test_it_counts_the_real_api_calls_of_a_dashboard_page(
    agent: LoggedIn, paris: Agency, request_log: RequestLog
) -> None:
    agent.client.get("/leads/")
    agent.client.get("/leads/")

    first, second = request_log()
    assert first["route"] == "dashboard:leads"
    assert first["status"] == 200
    assert first["user_id"] == agent.user.pk
    assert first["agency_id"] == paris.pk
    assert first["upstream_calls"] >= 1
    assert first["upstream_ms"] > 0
    assert first["token_requests"] == 1
    # The token is cached: the next page fetches no new one.
    assert second["route"] == "dashboard:leads"
    assert second["token_requests"] == 0


def test_djangos_own_log_lines_carry_no_query_string(client, settings):
    """Django's request logger (4xx/5xx) passes the request along, whose repr holds the query
    string; the development server prints the request line. Neither reaches the log."""
    import json as json_lib
    import logging

    from django.test import RequestFactory

    from leadsportal.core.logging import JsonFormatter

    request = RequestFactory().get("/leads/", {"status": "contacte", "q": "Dupont"})
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (request.path,), None
    )
    record.status_code = 404
    record.request = request
    server = logging.LogRecord(
        "django.server",
        logging.WARNING,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /exports/leads/?format=csv&start=2026-11-01 HTTP/1.1", "404", "179"),
        None,
    )
    for line in (JsonFormatter().format(record), JsonFormatter().format(server)):
        assert "contacte" not in line and "Dupont" not in line and "format=csv" not in line
        json_lib.loads(line)
    assert json_lib.loads(JsonFormatter().format(record))["request"] == {
        "method": "GET",
        "path": "/leads/",
    }
