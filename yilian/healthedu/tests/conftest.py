"""The cast of the library: hospital A's doctor writes, hospital A's administrator reviews;
hospital B's doctor and administrator are the other hospital; a published article and a
draft; a follow-up plan of a patient of hospital A whose record matches a patient login."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import timezone, translation

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.followups.models import FollowUpPlan
from yilian.followups.services import save_template, start_plan
from yilian.orgs.models import Specialty, Team, TeamService
from yilian.orgs.tests.factories import TeamFactory
from yilian.patients.models import Patient

from ..models import Category, Item, Kind
from ..services import publish, save_item, submit

PATIENT_PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def category(db) -> Category:
    return Category.objects.create(name="慢病管理")


def write(
    author: User,
    title: str = "高血压患者的家庭血压监测",
    body: str = "<p>每天早晚各测一次。</p>",
    **extra,
) -> Item:
    return save_item(actor=author, kind=Kind.ARTICLE, title=title, body=body, **extra)


def published(author: User, reviewer: User, **kwargs) -> Item:
    item = write(author, **kwargs)
    submit(item, actor=author)
    return publish(item, actor=reviewer)


@pytest.fixture
def draft(staff_a) -> Item:
    return write(staff_a, title="糖尿病饮食（草稿）")


@pytest.fixture
def article(staff_a, hospital_admin_a, category) -> Item:
    return published(staff_a, hospital_admin_a, category=category, tags=["高血压"])


@pytest.fixture
def follow_up_team(hospital_a, staff_a) -> Team:
    team = TeamFactory(
        hospital=hospital_a, name="随访组", specialty=Specialty.CARDIOLOGY, lead=staff_a
    )
    TeamService.objects.create(team=team, kind="follow_up")
    return team


def make_plan(doctor: User, patient: Patient, manager: User) -> FollowUpPlan:
    template = save_template(
        actor=manager,
        name="出院随访",
        offsets=[7, 30],
        questions=[{"label": "血压是否平稳？", "type": "yes_no", "required": True}],
    )
    return start_plan(
        doctor=doctor, patient=patient, template=template, start_date=timezone.localdate()
    )


@pytest.fixture
def patient_record(hospital_a, staff_a) -> Patient:
    return Patient.objects.create(
        hospital=hospital_a, name="刘某某", phone=PATIENT_PHONE, created_by=staff_a
    )


@pytest.fixture
def patient_login(make_user) -> User:
    """The patient's own account: the same mobile number as the record."""
    user = make_user(Role.PATIENT, name="刘某某")
    user.phone = PATIENT_PHONE
    user.save(update_fields=["phone"])
    return user


@pytest.fixture
def plan(staff_a, patient_record, manager, follow_up_team) -> FollowUpPlan:
    return make_plan(staff_a, patient_record, manager)
