from rest_framework.routers import SimpleRouter

from .needs import NeedViewSet
from .views import ShipmentViewSet

router = SimpleRouter()
router.register("shipments", ShipmentViewSet, basename="shipment")
router.register("needs", NeedViewSet, basename="need")

urlpatterns = router.urls
