"""The embedded sandbox of AVIV Seeker Leads v1 (contract: docs/api/aviv-seeker-leads-v1.yaml).

Mounted under /seeker-sandbox/ beside the GSL sandbox (same condition: LEADS_SANDBOX_ENABLED),
it lets the dashboard, the tests and the benchmarks run against a faithful, deterministic
Seeker Leads over real HTTP, without network access or AVIV credentials. It shares no code
with the client it serves (leadsportal.seeker_api), nor with the GSL sandbox, and never
touches the database.

Base URL http://HOST/seeker-sandbox/seeker-leads/v1, token at http://HOST/seeker-sandbox/oauth/token
(a JSON body with client_id, client_secret, grant_type=client_credentials and an audience
ending in /seeker-leads/v1). Every request needs a User-Agent.

Modules: data (seeded leads), store (windows, cursor pages, erasures), validation, tokens
(clients and 24-hour JWTs), webhooks (calls to subscribed URLs), state (knobs, counters,
rate limit, added leads, subscriptions), responses, views, urls.

Environment: SEEKER_SANDBOX_CLIENTS ("id:secret,id:secret"), SEEKER_SANDBOX_LEADS_PER_CLIENT,
SEEKER_SANDBOX_SEED, SEEKER_SANDBOX_LATENCY_MS, SEEKER_SANDBOX_FAULT_RATE,
SEEKER_SANDBOX_TOKEN_TTL (86,400), SEEKER_SANDBOX_RATE_LIMIT (10 per 200 ms),
SEEKER_SANDBOX_WEBHOOK_HOSTS (loopback), and the GSL sandbox's LEADS_SANDBOX_ANCHOR.

Control, for tests in the same process: `leadsportal.seeker_sandbox.state.state` (the
`seeker_sandbox` fixture). Over HTTP, for benchmarks and browser tests, WITHOUT
AUTHENTICATION (a development tool that exists only when the sandbox is enabled):
- GET  /seeker-sandbox/_control/stats  → knobs, counters (token requests and those made while
                                         a token still lived, User-Agents, windows...), anchor
- POST /seeker-sandbox/_control        {"reset"?, "reset_counters"?, <knob>: value...}; knobs:
                                       latency_ms, fault_rate, fault_mode, fault_next,
                                       stall_seconds, token_ttl, rate_limit
- POST /seeker-sandbox/_control/leads  {"client_id", "leadCategory"?, "ingestionDate"?, "portal"?,
                                       "classifiedId"?, "seekerIntention"?, "erased"?,
                                       "lead"?: {members to merge}} → 201 {"leadId", "webhooks"};
                                       calls the client's active webhooks
- POST /seeker-sandbox/_control/erase  {"client_id", "leadId"}: the portal erases the seeker's data
- POST /seeker-sandbox/_control/token  {"client_id", "scope"?, "ttl"?} → {"access_token"}
"""
