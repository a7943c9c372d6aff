from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    ComplianceCheckViewSet,
    EquivalenceGroupViewSet,
    EvaluateView,
    LotDestinationsView,
    RuleSetViewSet,
    StandardViewSet,
)

router = SimpleRouter()
router.register("compliance-checks", ComplianceCheckViewSet, basename="compliancecheck")
router.register("standards", StandardViewSet, basename="standard")
router.register("equivalence-groups", EquivalenceGroupViewSet, basename="equivalencegroup")
router.register("rule-sets", RuleSetViewSet, basename="ruleset")

urlpatterns = [
    path("compliance/evaluate/", EvaluateView.as_view(), name="compliance-evaluate"),
    path(
        "compliance/lots/<int:lot_id>/destinations/",
        LotDestinationsView.as_view(),
        name="compliance-lot-destinations",
    ),
    *router.urls,
]
