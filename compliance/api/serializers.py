from types import SimpleNamespace

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from compliance.catalogue import shipped_catalogue
from compliance.models import ComplianceCheck, EquivalenceGroup, RuleSet, Standard
from donations.rules import lot_validate
from sfiec.choices import Category

# The lot's field names as this endpoint spells them.
LOT_FIELD_NAMES = {"manufactured_on": "manufacture_date", "expires_on": "expiry_date"}


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    message_zh = serializers.CharField()
    source = serializers.CharField()


class EvaluateRequestSerializer(serializers.Serializer):
    """The facts of a lot that is not saved anywhere, and where and when it would go."""

    category = serializers.ChoiceField(choices=Category.choices)
    standard = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None
    )
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$", error_messages={"invalid": "Give an ISO 3166-1 alpha-2 code such as IT."}
    )
    export_date = serializers.DateField()
    arrival_date = serializers.DateField()
    manufacture_date = serializers.DateField(required=False, allow_null=True, default=None)
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)
    attachments = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=20
    )
    manufacturer_whitelisted = serializers.BooleanField(required=False, default=False)
    hs_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=12)

    def validate_standard(self, value):
        if value and value not in shipped_catalogue().standards:
            raise serializers.ValidationError(f"Unknown standard “{value}”.")
        return value or None

    def validate_attachments(self, value):
        known = shipped_catalogue().attachment_kinds
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise serializers.ValidationError(f"Unknown attachment kinds: {', '.join(unknown)}.")
        return value

    def validate_country(self, value):
        return value.upper()

    def validate(self, data):
        # The same rules as every other door that takes a lot (donations.rules).
        spec = shipped_catalogue().standards.get(data["standard"]) if data["standard"] else None
        try:
            lot_validate(
                category=data["category"],
                standard=SimpleNamespace(slug=spec.slug, categories=spec.category)
                if spec
                else None,
                manufactured_on=data.get("manufacture_date"),
                expires_on=data.get("expiry_date"),
                export_date=data["export_date"],
                arrival_date=data["arrival_date"],
                names=LOT_FIELD_NAMES,
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return data


class EvaluateResponseSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=["pass", "warn", "fail"])
    findings = FindingSerializer(many=True)
    rule_set_version = serializers.CharField()


class ComplianceCheckSerializer(serializers.ModelSerializer):
    lot_reference = serializers.CharField(source="lot.reference", read_only=True)
    rule_set_version = serializers.CharField(source="rule_set.version", read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    overridden_by = serializers.CharField(
        source="overridden_by.get_username", default=None, read_only=True
    )

    class Meta:
        model = ComplianceCheck
        fields = [
            "id",
            "lot",
            "lot_reference",
            "country",
            "result",
            "findings",
            "rule_set_version",
            "export_date",
            "arrival_date",
            "is_current",
            "is_stale",
            "evaluated_at",
            "is_overridden",
            "overridden_by",
            "overridden_at",
            "override_reason",
            "override_carried_from",
            "override_lapsed",
        ]
        read_only_fields = fields


class OverrideSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class StandardSerializer(serializers.ModelSerializer):
    equivalence_groups = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Standard
        fields = [
            "slug",
            "body",
            "title",
            "title_zh",
            "categories",
            "protection_class",
            "jurisdiction",
            "key_criteria",
            "source",
            "source_status",
            "equivalence_groups",
        ]


class EquivalenceGroupSerializer(serializers.ModelSerializer):
    members = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = EquivalenceGroup
        fields = ["slug", "name", "basis", "members", "source", "source_status"]


class RuleSetSerializer(serializers.ModelSerializer):
    based_on = serializers.SlugRelatedField(slug_field="version", read_only=True)

    class Meta:
        model = RuleSet
        fields = ["version", "title", "is_active", "based_on", "notes", "created_at", "rules"]


class DestinationSerializer(serializers.Serializer):
    city = serializers.CharField(source="city.slug")
    city_name = serializers.CharField(source="city.name")
    country = serializers.CharField(source="city.country")
    result = serializers.CharField()
    findings = FindingSerializer(many=True)
