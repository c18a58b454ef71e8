"""Factories for organisations (people are made through the account services)."""

from __future__ import annotations

import factory

from yilian.orgs.models import Alliance, Department, Division, Hospital, Room, Specialty, Team


def division(code: str = "330000", name: str = "浙江省") -> Division:
    level = Division.Level.PROVINCE if code.endswith("0000") else Division.Level.CITY
    parent = None if level == Division.Level.PROVINCE else division(f"{code[:2]}0000")
    obj, _created = Division.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return obj


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance
        django_get_or_create = ("name",)

    name = "华夏专科医联体"
    short_name = "医联"


class HospitalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hospital

    alliance = factory.SubFactory(AllianceFactory)
    name = factory.Sequence(lambda n: f"测试县第{n}人民医院")
    licence_code = factory.Sequence(lambda n: f"PDY{n:08d}")
    category = Hospital.Category.GENERAL
    grade = Hospital.Grade.GRADE_2A
    tier = Hospital.Tier.COUNTY
    division = factory.LazyFunction(division)
    status = Hospital.Status.ACTIVE


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"内科{n}")
    specialty = Specialty.INTERNAL_MEDICINE


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"会诊专家组{n}")
    specialty = Specialty.CARDIOLOGY


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"远程会诊室{n}")
    kind = Room.Kind.CONSULTATION
