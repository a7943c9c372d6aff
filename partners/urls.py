from django.urls import path

from . import token_views, views

app_name = "partners"
urlpatterns = [
    path("account/language/", views.email_language, name="email-language"),
    path("account/tokens/", token_views.token_list, name="account-tokens"),
    path("account/tokens/<int:pk>/revoke/", token_views.token_revoke, name="account-token-revoke"),
    path("partners/signup/", views.signup_request, name="signup"),
    path("partners/invite/<str:token>/", views.invite_accept, name="invite-accept"),
    path("staff/partners/invite/", views.partner_invite, name="invite"),
    path("staff/partners/requests/", views.signup_list, name="signup-list"),
    path("staff/partners/requests/<int:pk>/", views.signup_decide, name="signup-decide"),
]
