"""A throwaway production-like server for the drills that run outside pytest (tests/fuzz, tests/faults),
the acceptance checks and the bench: a fresh PostgreSQL database, one member with a credential, and
gunicorn on a loopback port (`gunicorn()`, the project's one launcher)."""

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def environment(database: str, redis_db: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_HSTS_SECONDS": "0",
        "OAUTH_ISSUER": "http://127.0.0.1",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        **extra,
    }


def prepare(env: dict[str, str], database: str, redis_db: int) -> None:
    """A new database with the schema and static files, and an empty cache."""
    psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"]
    quiet = {**env, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {database}"], check=True, env=quiet)
    subprocess.run([*psql, f"CREATE DATABASE {database}"], check=True, env=quiet)
    subprocess.run(["redis-cli", "-n", str(redis_db), "flushdb"], check=True, capture_output=True)
    for command in (["migrate", "--no-input", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


def region_environment(
    console_env: dict[str, str], database: str, redis_db: int, region: str, **extra: str
) -> dict[str, str]:
    """A region deployed on its own (CAAS_ROLE=regional) for the console of `console_env`, whose
    database must be migrated: its key is issued there and stays in this process."""
    issued = subprocess.run(
        [sys.executable, "manage.py", "issue_region_key", region],
        cwd=ROOT,
        env=console_env,
        check=True,
        capture_output=True,
        text=True,
    )
    return environment(
        database,
        redis_db,
        CAAS_ROLE="regional",
        CAAS_REGION=region,
        CAAS_CONSOLE_URL=console_env["OAUTH_ISSUER"],
        CAAS_REGION_KEY=issued.stdout.strip(),
        OAUTH_ISSUER=console_env["OAUTH_ISSUER"],
        **extra,
    )


def seed_member(env: dict[str, str], email: str, names: list[str]) -> tuple[list[tuple[str, str]], str]:
    """A user owning a new account, with full-access credentials: [(client_id, secret)], cloud
    account id. The first is the parent of the others, so that its bearer manages them all.
    The secrets stay in this process; nothing is printed."""
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DATABASE", "REDIS", "DJANGO"))})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    from accounts.models import User
    from accounts.services import open_account
    from credentials.lineage import Ceiling
    from credentials.scopes import ALL_SCOPES
    from credentials.services import generate_credential

    user = User.objects.create_user(email, secrets.token_urlsafe(16))
    account = open_account(owner=user)
    membership = user.memberships.get()
    first = generate_credential(membership=membership, name=names[0], permissions=sorted(ALL_SCOPES))
    ceiling = Ceiling(credential=first[0], scopes=ALL_SCOPES)
    made = [first, *(generate_credential(membership=membership, name=name, ceiling=ceiling) for name in names[1:])]
    connections.close_all()
    return [(credential.client_id, secret) for credential, secret in made], account.cloud_account_id


class GunicornError(Exception):
    """gunicorn did not come up; the message says why and where its log is."""


class Server(str):
    """The base URL, which is all most callers need (so it is a str), and the master's pid, whose
    children are the workers (the bench reads their CPU time and RSS from /proc)."""

    pid: int

    def __new__(cls, base: str, pid: int) -> "Server":
        server = super().__new__(cls, base)
        server.pid = pid
        return server


@contextmanager
def gunicorn(
    env: dict[str, str],
    port: int,
    log: Path,
    workers: int = 2,
    *,
    args: Sequence[str] = (),
    cwd: Path = ROOT,
    ready_within: float = 30,
) -> Iterator[Server]:
    """gunicorn (this Python's) serving the checkout at cwd on 127.0.0.1:port, with extra
    arguments such as --threads, until the block ends. It runs in its own session, so a Ctrl-C
    reaches it only through the stop here, which ends the whole process group, also on failure."""
    base = f"http://127.0.0.1:{port}"
    if _answers(base):
        raise GunicornError(f"something already answers on 127.0.0.1:{port}")
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    with open(log, "w") as output:
        server = subprocess.Popen(
            [*command, "--workers", str(workers), *args],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_ready(server, base, log, ready_within)
            yield Server(base, server.pid)
        finally:
            _stop(server)


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/readyz", timeout=1).ok
    except requests.RequestException:
        return False


def _wait_until_ready(server: subprocess.Popen, base: str, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise GunicornError(f"gunicorn exited with {server.returncode}; see {log}")
        if _answers(base):
            return
        time.sleep(0.1)
    raise GunicornError(f"gunicorn did not answer {base}/readyz within {seconds:g} s; see {log}")


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM to the master and its workers (their process group), SIGKILL if they linger."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except ProcessLookupError:
        server.wait()
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
