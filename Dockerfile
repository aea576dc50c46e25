# leadsportal: `docker build -t leadsportal .` then see docs/DEPLOYMENT.md for `docker run`.
#
# Every step this file runs is also run by .ci/run outside Docker (bin/build-static,
# check --deploy, bin/serve and bin/healthcheck.py), since CI has no Docker engine.
ARG PYTHON_IMAGE=python:3.13-slim

# --- Builder: locked dependencies in /app/.venv, translations, static files ----------------
FROM ${PYTHON_IMAGE} AS builder

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

# gettext: compilemessages, for the translations (builder only).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && pip install "uv>=0.13"

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project

COPY . .
RUN uv sync --locked --no-dev \
    && PATH="/app/.venv/bin:$PATH" bin/build-static

# --- Runtime: the virtual environment and the code, run as an unprivileged user ------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=leadsportal.settings \
    LEADSPORTAL_ENV=production \
    PORT=8000

RUN groupadd --system --gid 10001 leadsportal \
    && useradd --system --uid 10001 --gid leadsportal --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin leadsportal

WORKDIR /app
# Owned by root and read-only for the app user: the running server writes nothing here.
COPY --from=builder /app /app

USER 10001:10001
EXPOSE 8000

# The web server's health; run the worker with --no-healthcheck (it serves no HTTP).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/bin/healthcheck.py"]

# `docker run IMAGE` serves the web (gunicorn, ASGI); `docker run IMAGE worker` runs the
# background worker (lead watcher, scheduled tasks). See docs/DEPLOYMENT.md.
ENTRYPOINT ["/app/bin/serve"]
CMD []
