from rest_framework.routers import SimpleRouter

from .views import AttachmentViewSet, LotViewSet, OfferViewSet

router = SimpleRouter()
router.register("offers", OfferViewSet, basename="offer")
router.register("lots", LotViewSet, basename="lot")
router.register("attachments", AttachmentViewSet, basename="attachment")

urlpatterns = router.urls
