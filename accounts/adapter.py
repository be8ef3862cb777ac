from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from accounts import audit, services
from accounts.access import active_membership


class AccountAdapter(DefaultAccountAdapter):
    """Every new user gets their own account; every sign-in lands in the activity log."""

    def save_user(self, request, user, form, commit=True):
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                services.open_account(owner=user)
        return user

    def login(self, request, user):
        super().login(request, user)
        membership = active_membership(request)
        if membership is not None:
            audit.record(
                account=membership.account, actor=user, action="user.signed_in", target=user.email, request=request
            )
