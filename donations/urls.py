from django.urls import path, re_path

from .views import partner, public, shared, staff

app_name = "donations"
urlpatterns = [
    path("offer/", public.offer_new, name="offer-new"),
    path("offer/thanks/<str:reference>/", public.offer_thanks, name="offer-thanks"),
    path("offer/import/", public.offer_import, name="offer-import"),
    path("offer/import/confirm/", public.offer_import_confirm, name="offer-import-confirm"),
    re_path(
        r"^offer/import/template\.(?P<fmt>xlsx|csv)$",
        public.import_template,
        name="offer-import-template",
    ),
    path("partner/offers/", partner.partner_offer_list, name="partner-offer-list"),
    path(
        "partner/offers/<str:reference>/",
        partner.partner_offer_detail,
        name="partner-offer-detail",
    ),
    path(
        "partner/offers/<str:reference>/withdraw/",
        partner.partner_offer_withdraw,
        name="partner-offer-withdraw",
    ),
    path("staff/offers/", staff.review_queue, name="review-queue"),
    path("staff/offers/<str:reference>/", staff.review_detail, name="review-detail"),
    path("staff/offers/<str:reference>/decide/", staff.review_decide, name="review-decide"),
    path(
        "staff/offers/<str:reference>/link-donor/",
        staff.review_link_donor,
        name="review-link-donor",
    ),
    path("staff/lots/<str:reference>/intake/", staff.lot_intake, name="lot-intake"),
    path("attachments/<int:pk>/", shared.attachment_download, name="attachment-download"),
]
