from django.urls import path

from dashboard.selectors import PANELS

from .views import DashboardPanelView

urlpatterns = [
    path(
        f"dashboard/{name}/",
        DashboardPanelView.as_view(panel=name),
        name=f"dashboard-{name}",
    )
    for name in PANELS
]
