from datetime import timedelta
from typing import cast

from django import forms
from django.conf import settings
from django.utils import timezone

from accounts.activity import Filters


class GrantAccessForm(forms.Form):
    email = forms.EmailField(label="Email", help_text="The person signs in with this address to accept.")
    expires_on = forms.DateField(
        label="Invitation expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The link stops working after this day (at most 90 days ahead).",
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=settings.INVITATION_DEFAULT_DAYS)


class SwitchAccountForm(forms.Form):
    account = forms.RegexField(regex=r"^\d{12}$")


class ActivityFilterForm(forms.Form):
    """The Activity page's filters, as GET parameters: ?event=&member=&credential=&from=&to= (dates in UTC,
    both inclusive). The choices are what the viewer can see, so a value from elsewhere is refused."""

    event = forms.ChoiceField(
        label="Event", required=False, error_messages={"invalid_choice": "Choose an event from the list."}
    )
    member = forms.TypedChoiceField(
        label="Member",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a member from the list."},
    )
    credential = forms.ChoiceField(
        label="Credential", required=False, error_messages={"invalid_choice": "Choose a credential from the list."}
    )

    def __init__(self, data, *, events, members, credentials):
        super().__init__(data)
        for name, empty, choices in [
            ("event", "All events", events),
            ("member", "Everyone", members),
            ("credential", "All credentials", credentials),
        ]:
            cast(forms.ChoiceField, self.fields[name]).choices = [("", empty), *choices]
        # "from" is a Python keyword, so these two are not declared above.
        for name, label in [("from", "From (UTC)"), ("to", "To (UTC)")]:
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
            )

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            event=data["event"],
            member=data["member"],
            credential=data["credential"],
            since=data["from"],
            until=data["to"],
        )

    def clean(self):
        cleaned = super().clean() or {}
        since, until = cleaned.get("from"), cleaned.get("to")
        if since and until and since > until:
            self.add_error("to", "The To date must be on or after the From date.")
        return cleaned
