from rest_framework.routers import SimpleRouter

from .views import ContactViewSet, OrganisationViewSet, SisterCityViewSet

router = SimpleRouter()
router.register("cities", SisterCityViewSet, basename="sistercity")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = router.urls
