"""Vocabularies shared by several apps (categories, attachment kinds, currencies)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    RESPIRATOR_NONMEDICAL = "respirator_nonmedical", _("Respirator (non-medical, e.g. KN95)")
    RESPIRATOR_MEDICAL = "respirator_medical", _("Medical respirator")
    MEDICAL_MASK = "medical_mask", _("Medical / surgical mask")
    PROTECTIVE_CLOTHING = "protective_clothing", _("Protective clothing")
    GLOVES = "gloves", _("Gloves")
    GOGGLES = "goggles", _("Goggles")
    FACE_SHIELD = "face_shield", _("Face shield")
    TEST_KIT = "test_kit", _("Test kit")
    THERMOMETER = "thermometer", _("Thermometer")
    VENTILATOR = "ventilator", _("Ventilator")
    SANITISER = "sanitiser", _("Hand sanitiser")
    OTHER = "other", _("Other")


class AttachmentKind(models.TextChoices):
    CE_CERTIFICATE = "ce_certificate", _("CE certificate")
    EU_DOC = "eu_declaration_of_conformity", _("EU declaration of conformity")
    FDA_EUA = "fda_eua", _("FDA EUA letter")
    NIOSH_APPROVAL = "niosh_approval", _("NIOSH approval")
    NMPA_REGISTRATION = "nmpa_registration", _("NMPA registration certificate")
    EXPORT_DECLARATION = "export_declaration", _("Exporter's declaration")
    WHITELIST_PROOF = "whitelist_proof", _("Manufacturer whitelist proof")
    MFDS_APPROVAL = "mfds_approval", _("MFDS approval")
    TEST_REPORT = "test_report", _("Test report")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


class Unit(models.TextChoices):
    PIECE = "piece", _("pieces")
    PAIR = "pair", _("pairs")
    KIT = "kit", _("kits")
    SET = "set", _("sets")
    BOTTLE = "bottle", _("bottles")
    UNIT = "unit", _("units")


CURRENCIES = [("CNY", "CNY"), ("USD", "USD"), ("EUR", "EUR"), ("KRW", "KRW"), ("KHR", "KHR")]


def choice_values(choices) -> list[str]:
    return [value for value, _label in choices]
