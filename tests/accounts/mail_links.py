"""Following the links the portal emails, as whoever reads that mailbox would."""

import re

from django.urls import reverse


def path_in(mail, prefix: str) -> str:
    """The path (with query) of the first link in `mail` whose path starts with `prefix`."""
    return re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S*)", mail.body).group(1)


def confirm_address(client, mail):
    """Opens the confirmation link in `mail` and presses Confirm, as allauth's page asks."""
    link = path_in(mail, reverse("account_confirm_email", args=["k"]).removesuffix("k/"))
    page = client.get(link)
    assert page.status_code == 200 and page.context["can_confirm"], page
    return client.post(link)
