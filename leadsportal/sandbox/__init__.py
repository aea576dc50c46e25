"""The embedded sandbox of the GSL Customer Leads API v2 (contract: docs/api/gsl-leads-v2.yaml).

Mounted under /sandbox/ when settings.LEADS_SANDBOX_ENABLED (on by default in development, off
unless asked for in production), it lets the dashboard, the tests and the benchmarks run against
a faithful, deterministic API over real HTTP, without network access or real agency credentials.
It never touches the database.

Modules: data (seeded leads, compact date index), store (queries), validation (request bodies),
tokens (OAuth clients and JWTs), state (knobs, counters, rate limiter, added leads), views, urls.

Environment: LEADS_SANDBOX_CLIENTS ("id:secret,id:secret"), LEADS_SANDBOX_LEADS_PER_CLIENT,
LEADS_SANDBOX_SEED, LEADS_SANDBOX_ANCHOR (ISO date-time the 120 days of data end at; default:
process start, rounded down to the minute), LEADS_SANDBOX_LATENCY_MS, LEADS_SANDBOX_FAULT_RATE,
LEADS_SANDBOX_TOKEN_TTL, LEADS_SANDBOX_RATE_LIMIT.

Control, for tests in the same process: `leadsportal.sandbox.state.state` (the `sandbox`
fixture). Control over HTTP, for benchmarks and browser tests — WITHOUT AUTHENTICATION, since
this is a development tool that only exists when the sandbox is enabled:
- GET  /sandbox/_control/stats   → knobs, counters, anchor, seed, volume (JSON)
- POST /sandbox/_control         {"reset"?: true, "reset_counters"?: true, <knob>: value...}
                                 → {"knobs": {...}}; knobs: latency_ms, fault_rate, token_ttl,
                                 rate_limit, stall_seconds, fault_mode, fault_next,
                                 fault_after (with fault_next: N requests succeed first)
- POST /sandbox/_control/leads   {"client_id", "leadType"?, "creationDate"?, "portal"?,
                                 "classifiedId"?, "lead"?: {Lead members to merge}} → 201 {"leadId"}
- POST /sandbox/_control/token   {"client_id", "scope"?, "ttl"?} → {"access_token"} (any scope,
                                 even "", any ttl, even < 0: for 403 and expiry tests)
"""
