from rest_framework.routers import SimpleRouter

from .views import OrganisationViewSet, SisterCityViewSet

router = SimpleRouter()
router.register("cities", SisterCityViewSet, basename="sistercity")
router.register("organisations", OrganisationViewSet, basename="organisation")

urlpatterns = router.urls
