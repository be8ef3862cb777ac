"""POST /api/v1/credentials/report-leak: anyone reports a found secret; always 202, never a hint."""

import pytest

from accounts.models import AuditEvent
from credentials import keys
from credentials.models import Credential, LeakReport
from tests.credentials.helpers import bearer

URL = "/api/v1/credentials/report-leak"


def report(api, secret, **extra):
    return api.post(URL, {"secret": secret, **extra}, content_type="application/json", REMOTE_ADDR="198.51.100.7")


def test_a_matching_secret_is_revoked_and_its_people_are_told(
    api, owner, member_credential, mailoutbox, django_capture_on_commit_callbacks
):
    credential, secret = member_credential
    with django_capture_on_commit_callbacks(execute=True):
        response = report(api, secret, source="https://example.com/paste/1")
    assert response.status_code == 202
    assert not Credential.objects.filter(pk=credential.pk).exists()
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    event = AuditEvent.objects.get(action="credential.leak_revoked")
    assert "198.51.100.7" in event.target and "https://example.com/paste/1" in event.target
    assert event.subject == credential.membership.user
    assert sorted(mailoutbox[0].to) == ["member@example.com", "owner@example.com"]
    assert "reported as publicly exposed" in mailoutbox[0].body and secret not in mailoutbox[0].body
    stored = LeakReport.objects.get()
    assert stored.matched is True and stored.client_id == credential.client_id and stored.account == owner.account


@pytest.mark.django_db
def test_a_match_and_a_miss_get_the_same_answer(api, member_credential):
    _, secret = member_credential
    hit, miss = report(api, secret), report(api, keys.new_secret())
    assert hit.status_code == miss.status_code == 202
    assert hit.content == miss.content
    assert LeakReport.objects.filter(matched=False).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("reported", ["not-even-a-secret", "caas_sk_" + "A" * 49])
def test_anything_else_is_accepted_and_changes_nothing(api, member_credential, reported):
    assert report(api, reported).status_code == 202
    assert Credential.objects.count() == 1


def test_the_secret_itself_is_never_stored(api, member_credential):
    _, secret = member_credential
    report(api, secret)
    assert secret not in repr(list(LeakReport.objects.values_list()))


@pytest.mark.django_db
def test_no_authentication_is_needed_and_a_session_is_ignored(member_client, member_credential):
    _, secret = member_credential
    assert report(member_client, secret).status_code == 202


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"secret": ""}, {"secret": ["x"]}])
def test_a_report_without_a_secret_is_a_400(api, body):
    assert api.post(URL, body, content_type="application/json").status_code == 400
    assert not LeakReport.objects.exists()


@pytest.mark.django_db
def test_reports_are_rate_limited_per_address(api, settings, fresh_window):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "leak_reports_per_ip": (3, 60)}
    codes = [report(api, keys.new_secret()).status_code for _ in range(4)]
    assert codes == [202, 202, 202, 429]
    assert LeakReport.objects.count() == 3
