"""The lockout counts the person's address, not the reverse proxy's."""

from __future__ import annotations

from django.test import RequestFactory

from leadsportal.core.client_ip import client_ip


def test_without_proxy_the_remote_address(settings):
    settings.LEADSPORTAL_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.7"


def test_behind_one_proxy_the_entry_it_appended(settings):
    settings.LEADSPORTAL_PROXY_COUNT = 1
    # The client forged "1.2.3.4"; the proxy appended the address it really saw.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9"
    )
    assert client_ip(request) == "198.51.100.9"


def test_a_request_that_bypassed_the_proxy_uses_its_own_address(settings):
    settings.LEADSPORTAL_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.20")
    assert client_ip(request) == "198.51.100.20"
