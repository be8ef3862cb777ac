from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone


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
