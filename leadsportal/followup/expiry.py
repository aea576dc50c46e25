"""When what we store about a lead must go: the lead's own expiration date (GDPR)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from leadsportal.leads_api import Lead

# When the API gives no expiration date, the contract's rule: 3 years after creation.
DEFAULT_LIFETIME: Final = timedelta(days=3 * 365 + 1)


def lead_expires_at(lead: Lead) -> datetime:
    return lead.meta.expiration_date or lead.meta.creation_date + DEFAULT_LIFETIME
