from django.urls import path

from kabinet.billing import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("link/", views.link, name="link"),
    path("<int:account_id>/", views.overview, name="overview"),
    path("<int:account_id>/edit/", views.edit, name="edit"),
    path("<int:account_id>/group/", views.choose_group, name="group"),
    path("<int:account_id>/unlink/", views.unlink, name="unlink"),
    path("<int:account_id>/charges/", views.charges, name="charges"),
    path("<int:account_id>/charges/<int:charge_id>/", views.charge_detail, name="charge"),
    path("<int:account_id>/details/", views.details, name="details"),
    path("<int:account_id>/access/", views.access, name="access"),
    path(
        "<int:account_id>/access/invitations/<int:invitation_id>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path(
        "<int:account_id>/access/members/<int:link_id>/revoke/",
        views.revoke_member,
        name="revoke_member",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
