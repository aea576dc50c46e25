from __future__ import annotations

import logging
import re
import socket
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_GET

from leadsportal.agencies.access import agency_required, is_manager
from leadsportal.agencies.models import Agency, Membership, clear_credentials_cache

PASSWORD = "Correct-horse-42"

_PROBE_TEMPLATE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Probe{% endblock %}{% block content %}'
    '<p id="probe">agency={{ request.agency.name }} role={{ request.membership.role }} '
    "manager={{ manager }}</p>{% endblock %}"
)


@require_GET
@agency_required
def probe(request: HttpRequest) -> HttpResponse:
    """A stand-in dashboard page: the decorator's contract without the dashboard's code."""
    return HttpResponse(_PROBE_TEMPLATE.render({"manager": is_manager(request)}, request))


def _probe_urlconf() -> types.ModuleType:
    from leadsportal import urls as project_urls

    module = types.ModuleType("tests_agencies_probe_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("test-probe/", probe, name="agency-probe"),
        *project_urls.urlpatterns,
    ]
    sys.modules[module.__name__] = module
    return module


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: pytest.FixtureRequest) -> Iterator[None]:
    # Hashing with the production hasher costs ~0.3 s per login: not what these tests measure.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    clear_credentials_cache()
    yield
    clear_credentials_cache()


@pytest.fixture
def probe_urls(settings: pytest.FixtureRequest) -> str:
    module = _probe_urlconf()
    settings.ROOT_URLCONF = module.__name__
    return "/test-probe/"


@pytest.fixture
def make_agency(db: None) -> Callable[..., Agency]:
    def make(
        name: str = "Agence Paris Démo",
        *,
        client_id: str = "agence-paris-demo",
        secret: str = "paris-demo-secret",
        base_url: str = "",
        agents_can_export: bool = False,
    ) -> Agency:
        agency = Agency(
            name=name, client_id=client_id, base_url=base_url, agents_can_export=agents_can_export
        )
        agency.set_client_secret(secret)
        agency.save()
        return agency

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., AbstractUser]:
    def make(
        username: str = "alice",
        *,
        memberships: dict[Agency, str] | None = None,
        password: str = PASSWORD,
        **fields: object,
    ) -> AbstractUser:
        user = get_user_model().objects.create_user(username=username, password=password, **fields)
        for agency, role in (memberships or {}).items():
            Membership.objects.create(user=user, agency=agency, role=role)
        return user

    return make


@pytest.fixture
def password() -> str:
    return PASSWORD


# --- A real SMTP server on loopback (aiosmtpd) ----------------------------------------------


@dataclass
class Mailbox:
    """What the local SMTP server received, as parsed messages, oldest first."""

    messages: list[EmailMessage] = field(default_factory=list)

    @property
    def last(self) -> EmailMessage:
        assert self.messages, "no e-mail received"
        return self.messages[-1]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    def link(self, message: EmailMessage | None = None) -> str:
        """The path of the one link to our site in the message (the test client wants paths)."""
        links = LINK.findall(self.body(message or self.last))
        assert links, self.body(message or self.last)
        return urlsplit(links[0]).path


LINK = re.compile(r"https?://testserver(/\S*)?")


class _Collector:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        raw = envelope.original_content or envelope.content  # type: ignore[attr-defined]
        message = BytesParser(policy=policy.default).parsebytes(raw)
        self.mailbox.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings: pytest.FixtureRequest) -> Iterator[Mailbox]:
    """Django's e-mail goes by SMTP to an aiosmtpd server on 127.0.0.1:<free port>."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    # The test server's own log names senders and recipients: not the app's log under test.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    port = _free_port()
    controller = Controller(_Collector(mailbox), hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }
    try:
        yield mailbox
    finally:
        controller.stop()
