from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import active_membership


class MeView(APIView):
    """Who the caller is: user, active account and role."""

    def get(self, request: Request) -> Response:
        membership = active_membership(request)
        account = membership.account if membership else None
        return Response(
            {
                "user": {"email": request.user.email},
                "account": {"cloud_account_id": account.cloud_account_id, "name": account.name} if account else None,
                "role": membership.role if membership else None,
                "credential": None,
                "authentication": "session",
            }
        )
