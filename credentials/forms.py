from django import forms

from credentials.services import NAME_RULES


class GenerateCredentialForm(forms.Form):
    name = forms.CharField(
        label="Secret name",
        strip=False,
        help_text=NAME_RULES,
        widget=forms.TextInput(attrs={"maxlength": 63, "autocomplete": "off", "autofocus": True}),
    )


class DeleteCredentialForm(forms.Form):
    name = forms.CharField(label="Name", strip=False, widget=forms.TextInput(attrs={"autocomplete": "off"}))
