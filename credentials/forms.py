from typing import cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import MAX_POLICY_DAYS, MIN_POLICY_DAYS, Account
from credentials import allowlist, regions
from credentials.models import DEFAULT_EXPIRY_DAYS
from credentials.scopes import (
    AREA_HELP,
    AREAS,
    DEFAULT_LEVELS,
    LEVELS,
    levels_from_permissions,
    permissions_from_levels,
)
from credentials.services import NAME_HELP, NAME_MAX_LENGTH, NAME_RULES, expiry_choices

POLICY_DAYS = {"min": MIN_POLICY_DAYS, "max": MAX_POLICY_DAYS}
LEVEL_CHOICES = [(level, label) for level, (label, _actions) in LEVELS.items()]
ALLOWED_IPS_HELP = (
    "One IPv4 or IPv6 address or CIDR range per line, for example 203.0.113.0/24, 198.51.100.7 or "
    f"2001:db8::/32. Leave empty to allow any address. At most {allowlist.MAX_NETWORKS}."
)
MODE_HELP = {
    allowlist.ENFORCE: "Such a request is refused. Choose this once you know every address your programs use.",
    allowlist.REPORT: "Such a request is allowed, and listed on the credential's Usage page as \"Would have been "
    'refused", so you can check the list against real traffic and switch to Enforce without locking anyone out.',
}


def initial_from_choices(choices: dict) -> dict:
    """The form's initial values for a credential's choices (services.successor_defaults)."""
    initial = {
        key: choices[key] for key in ("name", "regions", "expires_in_days", "allowed_ips_mode") if key in choices
    }
    initial.update(levels_from_permissions(choices.get("permissions", ())))
    initial["allowed_ips"] = "\n".join(choices.get("allowed_ips", ()))
    return initial


def portal_default_expiry(cap: int | None) -> int:
    """What the form pre-selects: 90 days, or the owner's cap when shorter. Never must be chosen on purpose."""
    return DEFAULT_EXPIRY_DAYS if cap is None else min(cap, DEFAULT_EXPIRY_DAYS)


class GenerateCredentialForm(forms.Form):
    """Field names match the keys of the service's ValidationErrors, so they land on the right field;
    the permissions, which the form asks for per area, land in the form's own errors.

    The form only parses: the service decides what is allowed (the name rules, the owner's cap, at
    least one permission, the addresses), so a stale or hand-made POST gets the same clear message
    as the API. A POST without the newer fields gets the service's defaults.
    """

    name_rules = NAME_RULES
    name = forms.CharField(
        label="Secret name",
        strip=False,
        help_text=NAME_HELP,
        widget=forms.TextInput(attrs={"maxlength": NAME_MAX_LENGTH, "autocomplete": "off", "autofocus": True}),
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
    compute = forms.ChoiceField(label=AREAS["compute"], required=False, choices=LEVEL_CHOICES, widget=forms.RadioSelect)
    credentials = forms.ChoiceField(
        label=AREAS["credentials"], required=False, choices=LEVEL_CHOICES, widget=forms.RadioSelect
    )
    allowed_ips = forms.CharField(
        label="Allowed source addresses",
        required=False,
        help_text=ALLOWED_IPS_HELP,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40, "spellcheck": "false", "autocomplete": "off"}),
    )
    allowed_ips_mode = forms.ChoiceField(
        label="When a request comes from another address",
        required=False,
        choices=list(allowlist.MODES.items()),
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cap = account.credential_max_lifetime_days
        self.notice_days = settings.CREDENTIAL_EXPIRY_NOTICE_DAYS
        cast(forms.MultipleChoiceField, self.fields["regions"]).choices = regions.available()
        choices = expiry_choices(account)
        self.fields["expires_in_days"].widget.choices = [
            ("" if days is None else days, label) for days, label in choices
        ]
        self.initial.setdefault("expires_in_days", portal_default_expiry(self.cap))
        for area, level in DEFAULT_LEVELS.items():
            self.initial.setdefault(area, level)
        self.initial.setdefault("allowed_ips_mode", allowlist.ENFORCE)
        if self.never_chosen():
            self.fields["expires_in_days"].widget.attrs["aria-describedby"] = "expiry-help expiry-never"

    def never_chosen(self) -> bool:
        """Whether "Never" is the selected expiry (pre-filled, or posted back with an error), to warn next to it."""
        return self.cap is None and self["expires_in_days"].value() in (None, "")

    def areas(self) -> list[dict]:
        """Each area's radio group with a line per option saying what it allows."""
        return [
            {
                "field": self[area],
                "options": [(radio, AREA_HELP[area][radio.data["value"]]) for radio in self[area]],
            }
            for area in AREAS
        ]

    def modes(self) -> list[tuple]:
        return [(radio, MODE_HELP[radio.data["value"]]) for radio in self["allowed_ips_mode"]]

    def service_kwargs(self) -> dict:
        """The cleaned data as generate_credential's arguments; an area left out takes its default level."""
        data = self.cleaned_data
        kwargs = {key: data[key] for key in ("name", "regions", "expires_in_days", "allowed_ips")}
        kwargs["permissions"] = permissions_from_levels({area: data[area] or DEFAULT_LEVELS[area] for area in AREAS})
        if data["allowed_ips_mode"]:
            kwargs["allowed_ips_mode"] = data["allowed_ips_mode"]
        return kwargs

    def add_service_error(self, error: ValidationError) -> None:
        """A service error on its field; one about a key the form has no field for (permissions) on the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            self.add_error(key if key in self.fields else None, messages)


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
