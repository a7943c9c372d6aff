from rest_framework import serializers

from partners.models import Contact, Organisation, SisterCity


class SisterCitySerializer(serializers.ModelSerializer):
    class Meta:
        model = SisterCity
        fields = ["id", "slug", "name", "name_zh", "country", "is_active"]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "title", "email", "phone", "language", "is_primary"]


class ContactListSerializer(serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "organisation", "organisation_name", *ContactSerializer.Meta.fields[1:]]
        read_only_fields = fields


class OrganisationSerializer(serializers.ModelSerializer):
    city = SisterCitySerializer(read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "kind",
            "name",
            "name_zh",
            "country",
            "city",
            "address",
            "email",
            "phone",
            "website",
            "registration_number",
            "is_active",
            "contacts",
        ]
