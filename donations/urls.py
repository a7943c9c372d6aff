from django.urls import path, re_path

from . import views, views_donor

app_name = "donations"
urlpatterns = [
    path("offer/", views.offer_new, name="offer-new"),
    path("offer/thanks/<str:reference>/", views.offer_thanks, name="offer-thanks"),
    path("offer/import/", views.offer_import, name="offer-import"),
    path("offer/import/confirm/", views.offer_import_confirm, name="offer-import-confirm"),
    re_path(
        r"^offer/import/template\.(?P<fmt>xlsx|csv)$",
        views.import_template,
        name="offer-import-template",
    ),
    path("partner/offers/", views.partner_offer_list, name="partner-offer-list"),
    path(
        "partner/offers/<str:reference>/",
        views.partner_offer_detail,
        name="partner-offer-detail",
    ),
    path(
        "partner/offers/<str:reference>/withdraw/",
        views.partner_offer_withdraw,
        name="partner-offer-withdraw",
    ),
    path("staff/offers/", views.review_queue, name="review-queue"),
    path("staff/offers/<str:reference>/", views.review_detail, name="review-detail"),
    path("staff/offers/<str:reference>/decide/", views.review_decide, name="review-decide"),
    path(
        "staff/offers/<str:reference>/link-donor/",
        views_donor.review_link_donor,
        name="review-link-donor",
    ),
    path("staff/lots/<str:reference>/intake/", views.lot_intake, name="lot-intake"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
]
