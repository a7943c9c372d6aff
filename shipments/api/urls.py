from rest_framework.routers import SimpleRouter

from .views import ShipmentViewSet

router = SimpleRouter()
router.register("shipments", ShipmentViewSet, basename="shipment")

urlpatterns = router.urls
