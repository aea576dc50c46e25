"""Rate limit: over `rate_limit` requests per second and client → 429 with Retry-After.

The limiter's clock is pinned so the tests do not depend on how fast the machine is.
"""

from __future__ import annotations

from django.conf import settings

from .conftest import LYON, PARIS, SandboxApi, criteria


class PinnedClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _search(api: SandboxApi, client_id: str = PARIS):
    return api.post(
        "/v2/leads/search",
        {"SearchCriteria": criteria(days_back=3, length_days=1)},
        client_id=client_id,
    )


def test_it_answers_429_with_retry_after_over_the_limit(api: SandboxApi, sandbox) -> None:
    api.token(PARIS)
    sandbox.clock = clock = PinnedClock()
    sandbox.rate_limit = 3

    statuses = [_search(api).status_code for _ in range(3)]
    refused = _search(api)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["status"] == 429
    retry_after = int(refused.headers["Retry-After"])
    assert retry_after >= 1

    clock.now += retry_after
    assert _search(api).status_code == 200


def test_it_limits_each_client_separately(api: SandboxApi, sandbox) -> None:
    api.token(PARIS), api.token(LYON)
    sandbox.clock = PinnedClock()
    sandbox.rate_limit = 2

    for _ in range(2):
        assert _search(api, PARIS).status_code == 200
    assert _search(api, PARIS).status_code == 429
    assert _search(api, LYON).status_code == 200
    assert sandbox.stats()["rate_limited"] == {PARIS: 1}


def test_it_slides_the_one_second_window(api: SandboxApi, sandbox) -> None:
    api.token(PARIS)
    sandbox.clock = clock = PinnedClock()
    sandbox.rate_limit = 2

    assert _search(api).status_code == 200
    clock.now += 0.6
    assert _search(api).status_code == 200
    assert _search(api).status_code == 429
    clock.now += 0.5  # the first request left the window, the second has not
    assert _search(api).status_code == 200
    assert _search(api).status_code == 429


def test_it_limits_every_api_route_but_not_the_token_endpoint(api: SandboxApi, sandbox) -> None:
    api.token(PARIS)
    sandbox.clock = PinnedClock()
    sandbox.rate_limit = 1

    assert api.get("/v2/leads/00000000-0000-4000-8000-000000000000").status_code == 404
    assert api.post("/v2/classifieds/1/leads", {}).status_code == 429
    assert all(api.request_token(PARIS).status_code == 200 for _ in range(3))


def test_it_defaults_to_50_per_second_outside_tests(sandbox) -> None:
    # The test session raises the limit (see tests/conftest.py); the product default is the contract's.
    assert settings.LEADS_SANDBOX_RATE_LIMIT == 50
    assert sandbox.rate_limit == 1_000
