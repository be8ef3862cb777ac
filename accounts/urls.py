from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.profile, name="profile"),
    path("settings/switch/", views.switch_account, name="switch"),
    path("settings/access/", views.access_management, name="access"),
    path("settings/access/grant/", views.grant_access, name="grant_access"),
    path("settings/access/invitations/<int:invitation_id>/resend/", views.resend_invitation, name="resend_invitation"),
    path("settings/access/invitations/<int:invitation_id>/remove/", views.remove_invitation, name="remove_invitation"),
    path("settings/access/members/<int:member_id>/revoke/", views.revoke_member, name="revoke_member"),
    path("settings/access/leave/", views.leave_account, name="leave"),
    path("settings/activity/", views.activity, name="activity"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
