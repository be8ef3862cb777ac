"""The Activity tab: human labels, filters as GET parameters, token issues folded per credential and
hour, and the CSV export, all within what the viewer may see (AuditEvent.objects.visible_to)."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.activity import FOLDED
from accounts.audit import record
from accounts.models import EVENT_LABELS, AuditEvent
from credentials.services import generate_credential, record_token_issued
from tests.factories import MembershipFactory, UserFactory

ACTIVITY = reverse("accounts:activity")
ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 10, 14, 5, tzinfo=UTC)


def event_at(account, when, action="credential.created", actor=None, target="ci (cid_x)", **extra) -> AuditEvent:
    return AuditEvent.objects.create(
        account=account, actor=actor, actor_email=actor.email if actor else "", action=action, target=target,
        created_at=when, **extra,
    )  # fmt: skip


def tokens_at(credential, when, count, ip="192.0.2.1") -> None:
    membership = credential.membership
    for i in range(count):
        event_at(
            membership.account, when + timedelta(seconds=i), FOLDED, membership.user,
            f"{credential.name} ({credential.client_id}) scope=instances:read", ip=ip,
        )  # fmt: skip


def rows(response) -> list:
    assert response.status_code == 200, response.content.decode()[:2000]
    return list(response.context["page"])


def exported(client, query: str = "") -> list[list[str]]:
    response = client.get(f"{ACTIVITY}?{query}&export=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="activity-')
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# Scoping: who sees what


def test_owner_sees_every_event_of_the_account(owner_client, owner, member, outsider):
    record(account=owner.account, actor=member.user, action="member.did-something")
    record(account=outsider.account, actor=outsider.user, action="elsewhere")
    actions = [row.action for row in rows(owner_client.get(ACTIVITY))]
    assert "member.did-something" in actions
    assert "elsewhere" not in actions


def test_member_sees_only_their_own_events(member_client, owner, member):
    record(account=owner.account, actor=owner.user, action="owner.did-something")
    record(account=owner.account, actor=member.user, action="member.did-something")
    actions = [row.action for row in rows(member_client.get(ACTIVITY))]
    assert actions == ["member.did-something"]


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(ACTIVITY)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# Labels


def test_every_event_code_the_code_writes_has_a_label():
    written = set()
    calls = re.compile(r'(?:action(?:: str)?\s*=\s*|_record_own\([\w.]+, |_record\(principal, )"([a-z_]+\.[a-z_]+)"')
    for app in ("accounts", "credentials", "regional"):
        for path in (ROOT / app).rglob("*.py"):
            written |= set(calls.findall(path.read_text()))
    assert len(written) >= 20, written  # the pattern still finds the calls
    assert written - EVENT_LABELS.keys() == set()


def test_the_page_shows_labels_not_codes(owner_client, owner):
    generate_credential(membership=owner, name="ci")
    content = owner_client.get(ACTIVITY).content.decode()
    table = content[content.index("<table") :]
    assert '<td data-label="Event" class="activity__event">Credential created</td>' in table
    assert "credential.created" not in table


def test_a_code_without_a_label_still_reads_as_words(owner_client, owner):
    record(account=owner.account, actor=owner.user, action="widget.polished_twice")
    assert rows(owner_client.get(ACTIVITY))[0].label == "Widget polished twice"


# Folding token issues


def test_tokens_issued_to_one_credential_in_one_hour_share_one_row(owner_client, owner):
    ci, _ = generate_credential(membership=owner, name="ci")
    deploy, _ = generate_credential(membership=owner, name="deploy")
    tokens_at(ci, T0, 12)
    tokens_at(deploy, T0, 3)
    tokens_at(ci, T0 + timedelta(hours=1), 2)
    shown = [(row.label, row.target) for row in rows(owner_client.get(f"{ACTIVITY}?event={FOLDED}"))]
    assert shown == [
        ("2 tokens issued", f"ci ({ci.client_id})"),
        ("12 tokens issued", f"ci ({ci.client_id})"),  # its newest token is younger than deploy's
        ("3 tokens issued", f"deploy ({deploy.client_id})"),
    ]


def test_a_folded_row_shows_its_first_and_last_time_and_its_addresses(owner_client, owner):
    ci, _ = generate_credential(membership=owner, name="ci")
    tokens_at(ci, T0, 3, ip="192.0.2.1")
    tokens_at(ci, T0 + timedelta(minutes=10), 2, ip="192.0.2.2")
    response = owner_client.get(f"{ACTIVITY}?event={FOLDED}")
    [row] = rows(response)
    assert (row.count, row.oldest, row.created_at) == (5, T0, T0 + timedelta(minutes=10, seconds=1))
    assert "first at 14:05:00" in response.content.decode() and "2 addresses" in response.content.decode()


def test_a_single_token_issued_is_an_ordinary_row(owner_client, owner):
    ci, _ = generate_credential(membership=owner, name="ci")
    record_token_issued(credential=ci, scope="instances:read")
    [row] = rows(owner_client.get(f"{ACTIVITY}?event={FOLDED}"))
    assert row.label == "Token issued" and row.target.endswith("scope=instances:read")


def test_paging_counts_rows_not_events(owner_client, owner):
    ci, _ = generate_credential(membership=owner, name="ci")
    tokens_at(ci, T0, 100)
    for minute in range(30):
        event_at(owner.account, T0 - timedelta(days=1, minutes=minute), "credential.enabled", owner.user)
    first = owner_client.get(ACTIVITY)
    assert first.context["page"].paginator.count == 32  # 100 tokens, 30 events, and "Credential created"
    assert len(rows(first)) == 25 and b"Older" in first.content
    second = rows(owner_client.get(f"{ACTIVITY}?page=2"))
    assert len(second) == 7
    assert [row.label for row in rows(first)[:2]] == ["Credential created", "100 tokens issued"]


def test_pages_keep_the_filters(owner_client, owner):
    for minute in range(30):
        event_at(owner.account, T0 - timedelta(minutes=minute), "credential.enabled", owner.user)
    content = owner_client.get(f"{ACTIVITY}?event=credential.enabled").content.decode()
    assert 'href="?event=credential.enabled&amp;page=2"' in content


# Filters


def test_the_event_filter(owner_client, owner):
    generate_credential(membership=owner, name="ci")
    record(account=owner.account, actor=owner.user, action="member.left")
    assert [row.action for row in rows(owner_client.get(f"{ACTIVITY}?event=member.left"))] == ["member.left"]


def test_the_member_filter_shows_what_they_did_and_what_was_done_to_them(owner_client, owner, member):
    record(account=owner.account, actor=member.user, action="credential.created", target="theirs")
    record(account=owner.account, actor=owner.user, action="credential.revoked", target="done to", subject=member.user)
    record(account=owner.account, actor=owner.user, action="credential.created", target="mine")
    shown = {row.target for row in rows(owner_client.get(f"{ACTIVITY}?member={member.user.pk}"))}
    assert shown == {"theirs", "done to"}


def test_the_credential_filter(owner_client, owner):
    ci, _ = generate_credential(membership=owner, name="ci")
    deploy, _ = generate_credential(membership=owner, name="deploy")
    record_token_issued(credential=ci, scope="instances:read")
    shown = [row.action for row in rows(owner_client.get(f"{ACTIVITY}?credential={ci.client_id}"))]
    assert shown == ["token.issued", "credential.created"]
    assert deploy.client_id in owner_client.get(ACTIVITY).content.decode()  # offered as a choice


def test_a_deleted_credential_can_still_be_chosen(owner_client, owner):
    ci, _ = generate_credential(membership=owner, name="ci")
    ci.delete()
    assert len(rows(owner_client.get(f"{ACTIVITY}?credential={ci.client_id}"))) == 1


def test_the_date_range_is_inclusive_and_in_utc(owner_client, owner):
    for when in ["2026-03-09T23:59:59", "2026-03-10T00:00:00", "2026-03-11T23:59:59", "2026-03-12T00:00:00"]:
        event_at(owner.account, datetime.fromisoformat(when).replace(tzinfo=UTC), target=when)
    shown = [row.target for row in rows(owner_client.get(f"{ACTIVITY}?from=2026-03-10&to=2026-03-11"))]
    assert shown == ["2026-03-11T23:59:59", "2026-03-10T00:00:00"]


def test_one_day_ranges_and_the_furthest_dates_work(owner_client, owner):
    event_at(owner.account, T0)
    assert len(rows(owner_client.get(f"{ACTIVITY}?from=2026-03-10&to=2026-03-10"))) == 1
    assert len(rows(owner_client.get(f"{ACTIVITY}?from=0001-01-01&to=9999-12-31"))) == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("event=no.such.event", "Choose an event from the list."),
        ("member=abc", "Choose a member from the list."),
        ("member=999999", "Choose a member from the list."),
        ("credential=cid_nothere", "Choose a credential from the list."),
        ("from=2026-13-01", "Enter a date as YYYY-MM-DD."),
        ("to=yesterday", "Enter a date as YYYY-MM-DD."),
        ("from=2026-03-11&to=2026-03-10", "The To date must be on or after the From date."),
        ("from=99999-01-01", "Enter a date as YYYY-MM-DD."),
    ],
)
def test_bad_filters_get_a_clear_message_not_an_error(owner_client, owner, query, message):
    event_at(owner.account, T0)
    for url in (f"{ACTIVITY}?{query}", f"{ACTIVITY}?{query}&export=csv"):
        response = owner_client.get(url)
        assert response.status_code == 400
        content = response.content.decode()
        assert message in content and "These filters cannot be used" in content
        assert '<table class="activity">' not in content


def test_a_bad_page_number_shows_a_page(owner_client, owner):
    event_at(owner.account, T0)
    assert len(rows(owner_client.get(f"{ACTIVITY}?page=abc"))) == 1
    assert len(rows(owner_client.get(f"{ACTIVITY}?page=999"))) == 1


def test_the_fields_are_labelled_and_an_error_is_tied_to_its_field(owner_client):
    content = owner_client.get(f"{ACTIVITY}?from=nope").content.decode()
    for field, label in [
        ("event", "Event"),
        ("member", "Member"),
        ("credential", "Credential"),
        ("from", "From (UTC)"),
    ]:
        assert f'<label for="id_{field}">{label}</label>' in content
    assert 'aria-describedby="id_from_error"' in content and 'id="id_from_error"' in content


# Filters cannot widen what a member sees


def test_a_member_cannot_filter_on_someone_else(member_client, owner, member):
    other = MembershipFactory(account=owner.account, user=UserFactory(email="other@example.com"))
    record(account=owner.account, actor=other.user, action="credential.created", target="other's")
    for query in (f"member={other.user.pk}", f"member={owner.user.pk}"):
        assert member_client.get(f"{ACTIVITY}?{query}").status_code == 400
        response = member_client.get(f"{ACTIVITY}?{query}&export=csv")
        assert response.status_code == 400 and b"other's" not in response.content


def test_a_member_cannot_filter_on_someone_elses_credential(member_client, owner, member):
    theirs, _ = generate_credential(membership=owner, name="owners")
    record_token_issued(credential=theirs, scope="instances:read")
    assert theirs.client_id not in member_client.get(ACTIVITY).content.decode()
    for url in (f"{ACTIVITY}?credential={theirs.client_id}", f"{ACTIVITY}?credential={theirs.client_id}&export=csv"):
        response = member_client.get(url)
        assert response.status_code == 400 and b"owners (" not in response.content


def test_a_member_may_filter_on_the_owner_who_acted_on_them(member_client, owner, member):
    record(account=owner.account, actor=owner.user, action="credential.revoked", target="yours", subject=member.user)
    record(account=owner.account, actor=owner.user, action="credential.created", target="owner's own")
    assert [row.target for row in rows(member_client.get(f"{ACTIVITY}?member={owner.user.pk}"))] == ["yours"]


# CSV export


def test_the_export_has_every_matching_event_with_labels_and_utc_times(owner_client, owner):
    ci, _ = generate_credential(membership=owner, name="ci")
    tokens_at(ci, T0, 60)
    lines = exported(owner_client, f"event={FOLDED}")
    assert lines[0] == ["Time (UTC)", "Event", "Event code", "Who", "Target", "About", "IP address", "User agent"]
    assert len(lines) == 61  # every event, more than a page, not folded
    assert lines[1][:5] == [
        "2026-03-10T14:05:59+00:00", "Token issued", "token.issued", "owner@example.com",
        f"ci ({ci.client_id}) scope=instances:read",
    ]  # fmt: skip
    assert lines[-1][0] == "2026-03-10T14:05:00+00:00"


def test_the_export_link_carries_the_filters_but_not_the_page(owner_client, owner):
    event_at(owner.account, T0)
    content = owner_client.get(f"{ACTIVITY}?event=credential.created&from=2026-03-01&page=1").content.decode()
    link = re.search(r'<a class="button button--secondary" href="([^"]+)" download>Export CSV</a>', content)
    assert link and link.group(1) == f"{ACTIVITY}?event=credential.created&amp;from=2026-03-01&amp;export=csv"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_export_cannot_smuggle_a_spreadsheet_formula(owner_client, owner, start):
    event_at(owner.account, T0, target=f'{start}HYPERLINK("https://evil.example","x")', user_agent=f"{start}cmd")
    line = exported(owner_client)[1]
    assert line[4] == f'\'{start}HYPERLINK("https://evil.example","x")'
    assert line[7] == f"'{start}cmd"


def test_a_members_export_has_only_what_they_may_see(member_client, owner, member, outsider):
    record(account=owner.account, actor=owner.user, action="credential.created", target="owner's")
    record(account=owner.account, actor=owner.user, action="credential.revoked", target="yours", subject=member.user)
    record(account=owner.account, actor=member.user, action="credential.created", target="mine")
    record(account=outsider.account, actor=outsider.user, action="credential.created", target="elsewhere")
    targets = [line[4] for line in exported(member_client)[1:]]
    assert targets == ["mine", "yours"]


def test_the_export_is_not_cached(owner_client):
    assert owner_client.get(f"{ACTIVITY}?export=csv")["Cache-Control"] == "private, no-store"


def test_the_admin_uses_the_same_labels(admin_client, owner):
    record(account=owner.account, actor=owner.user, action="credential.created", target="ci-admin")
    record(account=owner.account, actor=owner.user, action="member.left", target="gone")
    url = reverse("admin:accounts_auditevent_changelist")
    content = admin_client.get(f"{url}?action=credential.created").content.decode()
    assert "Credential created (credential.created)" in content and "ci-admin" in content
    assert "gone" not in content
    assert ">Member left</a>" in content  # the filter's choice
