"""A production server refuses an unsafe configuration (config/checks.py, config/wsgi.py).

Each case starts a fresh process with a chosen environment, as an operator's server would:
the settings are read once per process, so they cannot be changed from inside this one."""

import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool

SAFE = {
    "DJANGO_SECRET_KEY": "s" * 30 + "a-production-like-key-for-these-checks",
    "DJANGO_ALLOWED_HOSTS": "caas.example.com",
    "OAUTH_ISSUER": "https://caas.example.com",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def run(command: list[str], timeout: int = 60, **env: str | None) -> subprocess.CompletedProcess:
    """`command` in the project with the SAFE production environment, changed by `env` (None unsets)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OAUTH_"))}
    environment.update({k: v for k, v in {**SAFE, **env}.items() if v is not None})
    return subprocess.run(
        command, cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=timeout
    )


def check_deploy(**env: str | None) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"], **env)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_safe_production_configuration_passes():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "caas." not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DJANGO_SECRET_KEY": None}, "(caas.E001) DJANGO_SECRET_KEY is not set"),
        ({"DJANGO_SECRET_KEY": ""}, "(caas.E001) DJANGO_SECRET_KEY is not set"),
        ({"OAUTH_ISSUER": None}, "(caas.E002) OAUTH_ISSUER is not set"),
        ({"OAUTH_ISSUER": "http://caas.example.com"}, "(caas.E003) OAUTH_ISSUER='http://caas.example.com' is not"),
        ({"OAUTH_ISSUER": "caas.example.com"}, "(caas.E003) OAUTH_ISSUER='caas.example.com' is not an https URL"),
        ({"DJANGO_EMAIL_BACKEND": None}, "(caas.E004) DJANGO_EMAIL_BACKEND is not set"),
    ],
)
def test_check_deploy_names_what_to_set(env, named):
    result = check_deploy(**env)
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if "caas.E" in line]
    assert named in line


def test_without_a_secret_key_production_gets_no_fallback_key():
    """The var/ key file is for development only: production must not run on a key nobody chose."""
    code = "from config.settings import SECRET_KEY; print(repr(SECRET_KEY))"
    result = run([sys.executable, "-c", code], DJANGO_SECRET_KEY=None, DJANGO_SETTINGS_MODULE="config.settings")
    assert result.stdout.strip() == "''", result.stderr


@pytest.mark.parametrize("issuer", ["http://127.0.0.1:8765", "http://[::1]:8000", "http://localhost"])
def test_plain_http_is_accepted_for_a_loopback_issuer(issuer):
    result = check_deploy(OAUTH_ISSUER=issuer)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_explicitly_chosen_console_backend_is_accepted():
    result = check_deploy(DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_keeps_the_development_fallbacks():
    result = check_deploy(DJANGO_DEBUG="true", DJANGO_SECRET_KEY=None, OAUTH_ISSUER=None, DJANGO_EMAIL_BACKEND=None)
    assert "caas.E" not in result.stdout + result.stderr


def test_gunicorn_stops_with_one_line_per_missing_setting():
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{free_port()}", "--workers", "1"]
    result = run(command, DJANGO_SECRET_KEY=None, DJANGO_EMAIL_BACKEND=None)
    assert result.returncode == 3, result.stderr
    refusals = [line for line in result.stderr.splitlines() if line.startswith("Refusing to start: ")]
    assert [line.split(": ")[1].split(" ")[0] for line in refusals] == ["DJANGO_SECRET_KEY", "DJANGO_EMAIL_BACKEND"]


def test_runserver_stops_too(tmp_path):
    """On a database of its own: runserver looks for unapplied migrations before it loads the app."""
    command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{free_port()}"]
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = run(command, OAUTH_ISSUER="http://caas.example.com", DATABASE_URL=database)
    assert result.returncode == 3, result.stderr
    assert "Refusing to start: OAUTH_ISSUER='http://caas.example.com' is not an https URL" in result.stderr


def test_an_asgi_server_stops_too():
    result = run([sys.executable, "-c", "import config.asgi"], DJANGO_EMAIL_BACKEND=None)
    assert result.returncode == 3, result.stderr
    assert "Refusing to start: DJANGO_EMAIL_BACKEND is not set" in result.stderr


def test_the_wsgi_application_loads_with_a_safe_configuration():
    result = run([sys.executable, "-c", "import config.wsgi"])
    assert result.returncode == 0, result.stderr


def test_an_unknown_boolean_stops_the_server_instead_of_meaning_false():
    result = run([sys.executable, "-c", "import config.wsgi"], DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='ture' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("value", "meaning"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("0", False), ("False", False), ("no", False),
     ("off", False)],
)  # fmt: skip
def test_env_bool_reads_the_usual_spellings(monkeypatch, value, meaning):
    monkeypatch.setenv("CAAS_TEST_FLAG", value)
    assert env_bool("CAAS_TEST_FLAG", not meaning) is meaning


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_or_empty_takes_the_default(monkeypatch, default):
    monkeypatch.delenv("CAAS_TEST_FLAG", raising=False)
    assert env_bool("CAAS_TEST_FLAG", default) is default
    monkeypatch.setenv("CAAS_TEST_FLAG", "")
    assert env_bool("CAAS_TEST_FLAG", default) is default


@pytest.mark.parametrize("value", ["ture", "enabled", "2", "y"])
def test_env_bool_refuses_anything_else(monkeypatch, value):
    monkeypatch.setenv("CAAS_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match=f"CAAS_TEST_FLAG='{value}' is not a boolean"):
        env_bool("CAAS_TEST_FLAG", False)
