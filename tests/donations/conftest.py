import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests import factories

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(size=(8, 8), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 10)).save(out, format="JPEG")
    return out.getvalue()


def pdf_file(name="certificate.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def standard(db):
    return factories.StandardFactory()


@pytest.fixture
def city(db):
    return factories.SisterCityFactory()


def lot_data(index=0, **overrides) -> dict:
    today = dt.date.today()
    values = {
        "category": "respirator_nonmedical",
        "standard": "CN_GB2626_KN95",
        "product": f"KN95 model {index}",
        "manufacturer": "Shenzhen Safety Products Co.",
        "batch_number": f"B{index}",
        "unit": "piece",
        "quantity_offered": "10000",
        "cartons": "20",
        "units_per_carton": "500",
        "gross_weight_kg": "120",
        "net_weight_kg": "100",
        "manufactured_on": (today - dt.timedelta(days=30)).isoformat(),
        "expires_on": (today + dt.timedelta(days=700)).isoformat(),
        "unit_value": "1.20",
        "currency": "CNY",
        "certificate_kind": "ce_certificate",
    }
    values.update(overrides)
    return {f"lots-{index}-{name}": value for name, value in values.items()}


def offer_data(*, lots=1, key="a" * 32, lot_overrides=None, **overrides) -> dict:
    data = {
        "organisation_name": "Guangming Charity Association",
        "organisation_name_zh": "光明慈善会",
        "contact_name": "Li Wei",
        "contact_email": "li.wei@example.org",
        "contact_phone": "+86 755 0000",
        "contact_language": "zh-hans",
        "preferred_city": "",
        "notes": "",
        "website": "",
        "submission_key": key,
        "lots-TOTAL_FORMS": str(lots),
        "lots-INITIAL_FORMS": "0",
        "lots-MIN_NUM_FORMS": "1",
        "lots-MAX_NUM_FORMS": "50",
    }
    for index in range(lots):
        data.update(lot_data(index, **((lot_overrides or {}).get(index, {}))))
    data.update(overrides)
    return data
