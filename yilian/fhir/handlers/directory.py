"""Organization (member hospitals), Practitioner (the people who work in the alliance —
never patients) and PractitionerRole (a person's roles at their hospital and department)."""

from __future__ import annotations

from typing import Any

from yilian.accounts.models import User
from yilian.accounts.roles import CLINICAL_ROLES, Role
from yilian.orgs.models import Hospital

from .. import codes
from ..registry import REFERENCE, Context, Handler, Param, Source, register
from ..search import parse_uuid
from ..selectors import hospitals_visible_to, practitioners_visible_to
from .common import by_reference, compact, concept, meta, ref


def organization(hospital: Hospital, ctx: Context) -> dict[str, Any]:
    return compact(
        {
            "resourceType": "Organization",
            "id": str(hospital.public_id),
            "meta": meta(hospital),
            "identifier": [
                {"system": codes.HOSPITAL_LICENCE_SYSTEM, "value": hospital.licence_code}
            ],
            "active": hospital.status == Hospital.Status.ACTIVE,
            "type": [
                concept(codes.ORGANIZATION_TYPE, "prov", "Healthcare Provider"),
                concept(codes.HOSPITAL_TIER_SYSTEM, hospital.tier, hospital.get_tier_display()),
            ],
            "name": hospital.name,
            "alias": [hospital.short_name] if hospital.short_name else [],
            "telecom": [{"system": "phone", "value": hospital.phone}] if hospital.phone else [],
            "address": [
                compact(
                    {
                        "text": hospital.address,
                        "district": hospital.division.name if hospital.division_id else "",
                        "country": "CN",
                    }
                )
            ],
        }
    )


register(
    Handler(
        type="Organization",
        documentation="Member hospitals of the alliance.",
        sources=(
            Source(
                model=Hospital,
                queryset=hospitals_visible_to,
                to_resource=organization,
                parse_id=parse_uuid,
            ),
        ),
    )
)


def _roles(user: User) -> list[str]:
    return sorted(user.roles & CLINICAL_ROLES)


def practitioner(user: User, ctx: Context) -> dict[str, Any]:
    return compact(
        {
            "resourceType": "Practitioner",
            "id": str(user.public_id),
            "meta": meta(user),
            "identifier": (
                [{"system": codes.PRACTITIONER_LICENCE_SYSTEM, "value": user.licence_number}]
                if user.licence_number
                else []
            ),
            "active": user.can_use_business,
            "name": [{"text": user.name}],
            "qualification": (
                [{"code": concept(codes.TITLE_SYSTEM, user.title, user.get_title_display())}]
                if user.title
                else []
            ),
        }
    )


def practitioner_role(user: User, ctx: Context) -> dict[str, Any]:
    department = user.department
    return compact(
        {
            "resourceType": "PractitionerRole",
            "id": str(user.public_id),
            "meta": meta(user),
            "active": user.can_use_business,
            "practitioner": ref("Practitioner", user.public_id, user.name),
            "organization": (
                ref("Organization", user.hospital.public_id, user.hospital.name)
                if user.hospital is not None
                else None
            ),
            "code": [concept(codes.ROLE_SYSTEM, role, Role(role).label) for role in _roles(user)],
            "specialty": (
                [
                    concept(
                        codes.SPECIALTY_SYSTEM,
                        department.specialty,
                        department.get_specialty_display(),
                        text=department.name,
                    )
                ]
                if department is not None
                else []
            ),
        }
    )


register(
    Handler(
        type="Practitioner",
        documentation="Staff, experts, hospital administrators and managers (never patients).",
        sources=(
            Source(
                model=User,
                queryset=practitioners_visible_to,
                to_resource=practitioner,
                parse_id=parse_uuid,
            ),
        ),
    )
)

register(
    Handler(
        type="PractitionerRole",
        documentation=(
            "One per person: their hospital, department (specialty) and roles. The id is "
            "the Practitioner's id."
        ),
        params={
            "practitioner": Param(REFERENCE, "The person (Practitioner/id)."),
            "organization": Param(REFERENCE, "The hospital (Organization/id)."),
        },
        sources=(
            Source(
                model=User,
                queryset=practitioners_visible_to,
                to_resource=practitioner_role,
                parse_id=parse_uuid,
                filters={
                    "practitioner": by_reference("Practitioner", "public_id"),
                    "organization": by_reference("Organization", "hospital__public_id"),
                },
            ),
        ),
    )
)
