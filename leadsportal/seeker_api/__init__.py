"""AVIV Seeker Leads API v1, the dashboard's second upstream (docs/UPSTREAMS.md).

Wire format in `contract` (docs/api/aviv-seeker-leads-v1.yaml), the typed client in `client`
(the 24-hour token shared through Django's cache in `tokens`, the 10-per-200-ms limit in
`limiter`), and `mapping`, which reads its leads as leadsportal.leads_api's `Lead`. Errors are
leads_api's family, so that the dashboard has one `except LeadsApiError` for both upstreams.
"""

from leadsportal.seeker_api.client import (
    SeekerCredentials,
    SeekerLeadsClient,
    credentials_for,
    default_user_agent,
    get_client,
)
from leadsportal.seeker_api.contract import (
    CLASSIFIED_ID_PATTERN,
    CONCURRENCY_LIMIT,
    CONCURRENCY_WINDOW_SECONDS,
    MAX_WINDOW_SECONDS,
    PAGE_SIZE,
    LeadCategory,
    LeadsPage,
    SeekerCallDetails,
    SeekerContact,
    SeekerLead,
    SeekerMetadata,
    SeekerPhone,
    SeekerProperty,
    Subscription,
    SubscriptionAudit,
    SubscriptionStatus,
    window_slices,
)
from leadsportal.seeker_api.mapping import classified_code, classified_number, to_lead

__all__ = [
    "CLASSIFIED_ID_PATTERN",
    "CONCURRENCY_LIMIT",
    "CONCURRENCY_WINDOW_SECONDS",
    "MAX_WINDOW_SECONDS",
    "PAGE_SIZE",
    "LeadCategory",
    "LeadsPage",
    "SeekerCallDetails",
    "SeekerContact",
    "SeekerCredentials",
    "SeekerLead",
    "SeekerLeadsClient",
    "SeekerMetadata",
    "SeekerPhone",
    "SeekerProperty",
    "Subscription",
    "SubscriptionAudit",
    "SubscriptionStatus",
    "classified_code",
    "classified_number",
    "credentials_for",
    "default_user_agent",
    "get_client",
    "to_lead",
    "window_slices",
]
