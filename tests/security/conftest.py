"""Fixtures of the security tests: sample leads of the live sandbox, an administrator."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from leadsportal.agencies.models import Agency
from leadsportal.leads_api import LeadFamily
from tests.fixtures import PARIS_CLIENT, LoggedIn
from tests.security.samples import HOSTILE_CONTACT, Sample, recent_leads


@pytest.fixture
def sample(paris: Agency, sandbox) -> Sample:  # type: ignore[no-untyped-def]
    leads = {}
    for family in (
        LeadFamily.CLASSIFIED,
        LeadFamily.AGENCY,
        LeadFamily.SELLER,
        LeadFamily.PROPERTY_SEARCH,
    ):
        found = recent_leads(paris, family)
        leads[family] = next(lead for lead in found if not lead.contact.is_erased)
    classified = leads[LeadFamily.CLASSIFIED].classified
    assert classified is not None
    hostile = sandbox.add_lead(
        PARIS_CLIENT[0], lead_type="CLASSIFIED", contactRequest=dict(HOSTILE_CONTACT)
    )
    return Sample(leads=leads, classified_id=classified.classified_id, hostile_lead_id=hostile)


@pytest.fixture
def superuser(db: None) -> LoggedIn:
    user = get_user_model().objects.create_superuser(
        username="root.admin", password="Correct-horse-42", email="root@example.com"
    )
    client = Client()
    client.force_login(user)
    return LoggedIn(client=client, user=user)
