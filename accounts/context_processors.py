from accounts.access import active_membership
from accounts.models import Membership


def active_account(request):
    """The User Profile pull-down: the active account and the others the user may switch to."""
    membership = active_membership(request)
    if membership is None:
        return {}
    return {
        "active_membership": membership,
        "other_memberships": lambda: Membership.objects.for_user(request.user).exclude(pk=membership.pk),
    }
