from django.urls import path

from . import needs_views as views

app_name = "needs"
urlpatterns = [
    path("needs/", views.need_board, name="board"),
    path(
        "needs/record/<slug:city_slug>/<str:token>/",
        views.recipient_need_record,
        name="link-record",
    ),
    path(
        "needs/record/<slug:city_slug>/<str:token>/<int:need_pk>/",
        views.recipient_need_record,
        name="link-edit",
    ),
    path("staff/needs/", views.staff_need_list, name="staff-list"),
    path("staff/needs/link/<slug:city_slug>/", views.staff_need_link_send, name="staff-link"),
    path("staff/needs/new/<slug:city_slug>/", views.staff_need_new, name="staff-new"),
    path("staff/needs/<int:pk>/", views.staff_need_detail, name="staff-detail"),
    path("staff/needs/<int:pk>/confirm/", views.staff_need_confirm, name="staff-confirm"),
    path(
        "staff/needs/<int:pk>/release/<int:match_pk>/",
        views.staff_need_release,
        name="staff-release",
    ),
    path("staff/needs/<int:pk>/status/", views.staff_need_transition, name="staff-transition"),
]
