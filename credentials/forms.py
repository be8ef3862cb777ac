from django import forms
from django.conf import settings

from accounts.models import Account
from credentials import regions
from credentials.services import NAME_RULES, default_expiry, expiry_choices

POLICY_DAYS = {"min": 1, "max": 3650}


class GenerateCredentialForm(forms.Form):
    """Field names match the keys of the service's ValidationErrors, so they land on the right field.

    The form only parses: the service decides what is allowed (the name rules, the owner's cap), so
    a stale or hand-made POST gets the same clear message as the API.
    """

    name = forms.CharField(
        label="Secret name",
        strip=False,
        help_text=NAME_RULES,
        widget=forms.TextInput(attrs={"maxlength": 63, "autocomplete": "off", "autofocus": True}),
    )
    regions = forms.MultipleChoiceField(
        label="Regions",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave every box unchecked to allow all regions, including regions added later.",
    )
    expires_in_days = forms.IntegerField(
        label="Expires", required=False, widget=forms.Select(attrs={"aria-describedby": "expiry-help"})
    )

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cap = account.credential_max_lifetime_days
        self.notice_days = settings.CREDENTIAL_EXPIRY_NOTICE_DAYS
        self.fields["regions"].choices = regions.available()
        choices = expiry_choices(account)
        self.fields["expires_in_days"].widget.choices = [
            ("" if days is None else days, label) for days, label in choices
        ]
        self.initial.setdefault("expires_in_days", default_expiry(account))


class DeleteCredentialForm(forms.Form):
    name = forms.CharField(label="Name", strip=False, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class CredentialPoliciesForm(forms.Form):
    """Empty means "no limit" / "never"; the range is the service's to enforce."""

    max_lifetime_days = forms.IntegerField(
        label="Longest credential lifetime (days)",
        required=False,
        widget=forms.NumberInput(attrs=POLICY_DAYS),
        help_text="New credentials must expire within this many days; empty means no limit. "
        "Existing credentials keep their expiry date.",
    )
    disable_unused_after_days = forms.IntegerField(
        label="Disable credentials unused for (days)",
        required=False,
        widget=forms.NumberInput(attrs=POLICY_DAYS),
        help_text="Credentials not used for this many days are disabled; empty means never.",
    )
