"""The account activity log as people read it: filters, token issues folded into one row per credential
and hour, and the CSV export. Every query starts from AuditEvent.objects.visible_to(membership), and a
filter only narrows it, so neither the page nor the export can show more than that."""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Left, StrIndex, TruncHour

from accounts.models import EVENT_LABELS, AuditEvent, Membership, User, event_label
from accounts.templatetags.email_tags import ascii_email

FOLDED = "token.issued"  # issued by the thousand by busy programs: one row per credential and hour
SCOPE = " scope="  # how a token.issued target ends: "<name> (<client id>) scope=<scopes>"
PER_PAGE = 25
# Every credential event's target starts with "<name> (<client id>)" (credentials/services.py).
CREDENTIAL_IN_TARGET = re.compile(r"^(?P<name>\S+) \((?P<client_id>[A-Za-z0-9_-]+)\)")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    """What the Activity page's filter form asks for; an empty value does not filter."""

    event: str = ""
    member: int | None = None  # a user id: what they did, or what was done to them
    credential: str = ""  # a client ID
    since: date | None = None  # inclusive, UTC
    until: date | None = None  # inclusive, UTC

    def __bool__(self) -> bool:
        return any((self.event, self.member, self.credential, self.since, self.until))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def events_for(membership: Membership, filters: Filters) -> QuerySet[AuditEvent]:
    """The events this membership may see (visible_to), narrowed by the filters."""
    events = AuditEvent.objects.visible_to(membership)
    if filters.event:
        events = events.filter(action=filters.event)
    if filters.member is not None:
        events = events.filter(Q(actor_id=filters.member) | Q(subject_id=filters.member))
    if filters.credential:
        events = events.filter(target__contains=f"({filters.credential})")
    if filters.since:
        events = events.filter(created_at__gte=_midnight(filters.since))
    if filters.until and filters.until < date.max:
        events = events.filter(created_at__lt=_midnight(filters.until + timedelta(days=1)))
    return events


def event_choices() -> list[tuple[str, str]]:
    return sorted(EVENT_LABELS.items(), key=lambda item: item[1])


def member_choices(membership: Membership) -> list[tuple[int, str]]:
    """The people in this membership's visible events (for an owner, also everyone in the account now)."""
    visible = AuditEvent.objects.visible_to(membership)
    ids = set(visible.values_list("actor_id", flat=True).distinct())
    ids |= set(visible.values_list("subject_id", flat=True).distinct())
    people = User.objects.filter(pk__in=ids - {None})
    if membership.is_owner:
        people = people | User.objects.filter(memberships__account=membership.account)
    return [(user.pk, ascii_email(user.email)) for user in people.distinct().order_by("email")]


def credential_choices(membership: Membership) -> list[tuple[str, str]]:
    """The credentials made in this membership's visible events, deleted ones too, newest first."""
    targets = AuditEvent.objects.visible_to(membership).filter(action="credential.created").values_list("target")
    found: dict[str, str] = {}
    for (target,) in targets:
        match = CREDENTIAL_IN_TARGET.match(target)
        if match:
            found.setdefault(match["client_id"], f"{match['name']} ({match['client_id']})")
    return list(found.items())


@dataclass(frozen=True)
class Row:
    """One line of the Activity page: an event, or `count` tokens issued to one credential in one hour."""

    event: AuditEvent  # the newest event of the row
    count: int
    oldest: datetime
    addresses: int  # how many different client addresses the row's events came from

    def __getattr__(self, name: str):
        """Otherwise a row reads as its newest event: row.actor_email, row.created_at, row.ip."""
        if name == "event":  # not set yet (copying, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.event, name)

    @property
    def folded(self) -> bool:
        return self.count > 1

    @property
    def label(self) -> str:
        return f"{self.count} tokens issued" if self.folded else self.event.label

    @property
    def target(self) -> str:
        """For a folded row the credential alone: the scopes of its tokens may differ."""
        if self.folded:
            match = CREDENTIAL_IN_TARGET.match(self.event.target)
            return match.group(0) if match else self.event.target
        return self.event.target


def _rows(events: QuerySet[AuditEvent]) -> QuerySet:
    """GROUP BY in the database, so that paging counts rows, not events: token issues group by
    credential and hour, every other event is a group of its own."""
    token = Q(action=FOLDED)
    credential = Case(
        When(Q(target__contains=SCOPE), then=Left("target", StrIndex("target", Value(SCOPE)) - 1)),
        default=F("target"),
        output_field=CharField(),
    )
    return (
        events.annotate(
            fold_event=Case(When(token, then=Value(0)), default=F("id"), output_field=BigIntegerField()),
            fold_hour=Case(When(token, then=TruncHour("created_at")), default=None, output_field=DateTimeField()),
            fold_credential=Case(When(token, then=credential), default=Value(""), output_field=CharField()),
        )
        .values("fold_event", "fold_hour", "fold_credential", "actor_id")
        .annotate(
            count=Count("id"),
            newest=Max("created_at"),
            oldest=Min("created_at"),
            newest_id=Max("id"),
            addresses=Count("ip", distinct=True),
        )
        .order_by("-newest", "-newest_id")
    )


def page_of_rows(events: QuerySet[AuditEvent], number: str | None) -> Page:
    """A page of Rows; Paginator.get_page turns a bad page number into the first or last page."""
    page = Paginator(_rows(events), PER_PAGE).get_page(number)
    groups = list(page.object_list)
    newest = AuditEvent.objects.select_related("actor", "subject").in_bulk([group["newest_id"] for group in groups])
    page.object_list = [
        Row(
            event=newest[group["newest_id"]],
            count=group["count"],
            oldest=group["oldest"],
            addresses=group["addresses"],
        )
        for group in groups
    ]
    return page


class _Echo:
    """csv.writer writes to this, and the response streams what it returns."""

    def write(self, value: str) -> str:
        return value


def safe_cell(value: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage return) gets a leading '."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


CSV_HEADER = ["Time (UTC)", "Event", "Event code", "Who", "Target", "About", "IP address", "User agent"]


def csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """Every event matching the filters, one line each (token issues are not folded), newest first."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for event in events.select_related("subject").order_by("-created_at", "-id").iterator(chunk_size=2000):
        cells = [
            event.created_at.astimezone(UTC).isoformat(timespec="seconds"),
            event_label(event.action),
            event.action,
            ascii_email(event.actor_email),
            ascii_email(event.target),
            ascii_email(event.subject.email) if event.subject else "",
            event.ip or "",
            event.user_agent,
        ]
        yield writer.writerow([safe_cell(cell) for cell in cells])
