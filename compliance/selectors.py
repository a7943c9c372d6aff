from django.db.models import QuerySet

from .models import ComplianceCheck


def check_list() -> QuerySet[ComplianceCheck]:
    return ComplianceCheck.objects.select_related("lot", "rule_set", "overridden_by")


def checks_current_for_lot(*, lot_id: int) -> QuerySet[ComplianceCheck]:
    return check_list().filter(lot_id=lot_id, is_current=True).order_by("country")


def active_cities():
    from partners.models import SisterCity

    return SisterCity.objects.filter(is_active=True).order_by("name")
