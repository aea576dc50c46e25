"""Production settings refuse to start on a missing or invalid variable, and say which one.

Each case starts a fresh Python process with a controlled environment (nothing inherited from
the test run), as gunicorn or manage.py would, and reads the settings through Django.

Cases that render a page (a 404 renders templates/404.html, whose {% static %} tags need
whitenoise's manifest) first build the static files as the image does, with `collectstatic`
under the production settings, into a temporary STATIC_ROOT of this module (`static_root`):
they pass on a fresh clone, where nothing has run bin/build-static.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "LEADSPORTAL_ENV": "production",
    "DJANGO_SECRET_KEY": "test-only-0c8f2b7e9a4d41d6b3f5e1a7c9d2b8e4f6a1c3e5d7b9f0a2c4e6",
    "DJANGO_ALLOWED_HOSTS": "leads.example.com",
    "DATABASE_URL": "postgres://leadsportal:pw@127.0.0.1:9/leadsportal",
    "LEADSPORTAL_FERNET_KEYS": Fernet.generate_key().decode(),
    "LEADS_API_BASE_URL": "https://api.example.com/laas/v2",
    "LEADS_API_TOKEN_URL": "https://api.example.com/oauth/token",
    "EMAIL_HOST": "smtp.example.com",
    "DEFAULT_FROM_EMAIL": "leadsportal <leads@example.com>",
}

REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "LEADSPORTAL_FERNET_KEYS",
    "LEADS_API_BASE_URL",
    "LEADS_API_TOKEN_URL",
    "EMAIL_HOST",
    "DEFAULT_FROM_EMAIL",
]

# Prints the settings the tests look at, as Django loads them at start-up.
READ_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "secret_key": settings.SECRET_KEY,
    "debug": settings.DEBUG,
    "sandbox": settings.LEADS_SANDBOX_ENABLED,
    "database_engine": settings.DATABASES["default"]["ENGINE"],
    "cache_backend": settings.CACHES["default"]["BACKEND"],
}))
"""


def start(
    env: dict[str, str], code: str = READ_SETTINGS, *, static_root: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `code` in a new process with `env` only; `static_root` replaces STATIC_ROOT (the
    settings load first, so a refused environment is still refused)."""
    if static_root is not None:
        code = (
            f"from django.conf import settings\nsettings.STATIC_ROOT = {str(static_root)!r}\n"
        ) + code
    clean_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "leadsportal.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def production(**changes: str | None) -> dict[str, str]:
    env = dict(PRODUCTION_ENV)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def assert_refused(result: subprocess.CompletedProcess[str], variable: str) -> None:
    assert result.returncode != 0, result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line, result.stderr
    assert variable in last_line, result.stderr


def test_it_starts_with_a_complete_production_environment() -> None:
    result = start(PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["debug"] is False
    assert loaded["sandbox"] is False
    assert loaded["database_engine"] == "django.db.backends.postgresql"


def test_it_passes_the_deployment_checks_without_a_warning() -> None:
    result = start(
        PRODUCTION_ENV,
        code=(
            "import sys; from django.core.management import execute_from_command_line; "
            "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', "
            "'WARNING'])"
        ),
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("variable", REQUIRED)
def test_it_refuses_to_start_without_a_required_variable(variable: str) -> None:
    assert_refused(start(production(**{variable: None})), variable)


@pytest.mark.parametrize(
    ("variable", "value"), [("DJANGO_SECRET_KEY", ""), ("DJANGO_ALLOWED_HOSTS", " , ")]
)
def test_it_refuses_to_start_with_an_empty_required_variable(variable: str, value: str) -> None:
    assert_refused(start(production(**{variable: value})), variable)


def test_it_reads_the_secret_key_from_a_file(tmp_path: Path) -> None:
    secret = "from-a-file-5b1e0f3d7c9a4e2b8d6f1a3c5e7b9d0f2a4c6e8b1d3f5a7c9e"
    key_file = tmp_path / "secret_key"
    key_file.write_text(secret + "\n", encoding="utf-8")

    result = start(production(DJANGO_SECRET_KEY=None, DJANGO_SECRET_KEY_FILE=str(key_file)))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["secret_key"] == secret


def test_it_refuses_to_start_when_the_secret_key_file_is_missing(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-file"

    result = start(production(DJANGO_SECRET_KEY=None, DJANGO_SECRET_KEY_FILE=str(missing)))

    assert_refused(result, "DJANGO_SECRET_KEY_FILE")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_SECRET_KEY", "too-short"),
        ("DJANGO_SECRET_KEY", "django-insecure-" + "x" * 60),
        ("DATABASE_URL", "nonsense"),
        ("DATABASE_URL", "postgres://user:pw@db.example.com:not-a-port/leadsportal"),
        ("REDIS_URL", "http://cache.example.com:6379/0"),
        ("DJANGO_DEBUG", "maybe"),
        ("DJANGO_DEBUG", "1"),
        ("LEADSPORTAL_FERNET_KEYS", "not-a-fernet-key"),
        ("LEADS_API_BASE_URL", "api.example.com/laas/v2"),
        ("LEADS_API_TOKEN_URL", "ftp://api.example.com/oauth/token"),
        ("LEADS_API_TOKEN_URL", "http://api.example.com/oauth/token"),
        ("LEADS_SANDBOX_ENABLED", "perhaps"),
        ("LEADSPORTAL_ENV", "staging"),
    ],
)
def test_it_refuses_to_start_with_an_invalid_value(variable: str, value: str) -> None:
    assert_refused(start(production(**{variable: value})), variable)


def test_it_does_not_echo_the_database_password_when_refusing() -> None:
    result = start(production(DATABASE_URL="postgres://user:hunter2-secret@db:bad/leadsportal"))

    assert_refused(result, "DATABASE_URL")
    assert "hunter2-secret" not in result.stderr


def test_it_uses_redis_when_redis_url_is_set() -> None:
    result = start(production(REDIS_URL="redis://cache.example.com:6379/0"))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["cache_backend"] == (
        "django.core.cache.backends.redis.RedisCache"
    )


# Posts demo credentials to the sandbox's token endpoint, as an operator probing the URL would.
PROBE_SANDBOX = """
import django
django.setup()
from django.test import Client
response = Client().post(
    "/sandbox/oauth/token",
    "grant_type=client_credentials&scope=laas%3Aleads%3Aget",
    content_type="application/x-www-form-urlencoded",
    HTTP_AUTHORIZATION="Basic YWdlbmNlLXBhcmlzLWRlbW86cGFyaXMtZGVtby1zZWNyZXQ=",
    HTTP_HOST="leads.example.com",
    secure=True,
)
print(response.status_code)
"""


COLLECT_STATIC = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
call_command("collectstatic", interactive=False, verbosity=0)
print(settings.STATIC_ROOT)
"""


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Static files built once for the module, as bin/build-static builds them: collectstatic
    with the production settings (whitenoise's compressed manifest storage)."""
    root = tmp_path_factory.mktemp("staticfiles")

    result = start(PRODUCTION_ENV, code=COLLECT_STATIC, static_root=root)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(root)
    manifest = json.loads((root / "staticfiles.json").read_text(encoding="utf-8"))
    assert "css/app.css" in manifest["paths"], "the 404 page's stylesheet was not collected"
    return root


def test_it_keeps_the_sandbox_off_in_production(static_root: Path) -> None:
    result = start(
        production(LEADS_SANDBOX_LEADS_PER_CLIENT="5"), code=PROBE_SANDBOX, static_root=static_root
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "404"


def production_with_sandbox() -> dict[str, str]:
    return production(
        LEADS_SANDBOX_ENABLED="1",
        LEADS_SANDBOX_LEADS_PER_CLIENT="5",
        LEADS_API_BASE_URL=None,
        LEADS_API_TOKEN_URL=None,
    )


def test_it_serves_the_sandbox_in_production_only_when_enabled() -> None:
    env = production_with_sandbox()

    result = start(env, code=PROBE_SANDBOX)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200"


# The app's own call to its sandbox: plain HTTP on loopback, Host 127.0.0.1:8000; and a page
# asked for in plain HTTP, which must still be redirected.
PROBE_SANDBOX_OWN_CALL = """
import django
django.setup()
from django.test import Client
token = Client().post(
    "/sandbox/oauth/token",
    "grant_type=client_credentials&scope=laas%3Aleads%3Aget",
    content_type="application/x-www-form-urlencoded",
    HTTP_AUTHORIZATION="Basic YWdlbmNlLXBhcmlzLWRlbW86cGFyaXMtZGVtby1zZWNyZXQ=",
    HTTP_HOST="127.0.0.1:8000",
)
page = Client().get("/connexion/", HTTP_HOST="leads.example.com")
print(token.status_code, page.status_code)
"""


def test_production_with_the_sandbox_reaches_its_own_sandbox_and_redirects_the_rest(
    static_root: Path,
) -> None:
    result = start(production_with_sandbox(), code=PROBE_SANDBOX_OWN_CALL, static_root=static_root)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200 301"


PROBE_SANDBOX_CONTROL = """
import django
django.setup()
from django.test import Client
client = Client()
stats = client.get("/sandbox/_control/stats", HTTP_HOST="leads.example.com", secure=True)
knobs = client.post(
    "/sandbox/_control", "{}", content_type="application/json",
    HTTP_HOST="leads.example.com", secure=True,
)
print(stats.status_code, knobs.status_code)
"""


def test_the_sandbox_controls_stay_off_in_production_unless_asked_for(static_root: Path) -> None:
    env = production_with_sandbox()
    off = start(env, code=PROBE_SANDBOX_CONTROL, static_root=static_root)
    assert off.returncode == 0, off.stderr
    assert off.stdout.strip() == "404 404"

    on = start(
        {**env, "LEADS_SANDBOX_CONTROL_ENABLED": "1"},
        code=PROBE_SANDBOX_CONTROL,
        static_root=static_root,
    )
    assert on.returncode == 0, on.stderr
    assert on.stdout.strip() == "200 200"
