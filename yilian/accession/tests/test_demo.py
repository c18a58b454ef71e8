import pytest

from yilian.orgs import demo
from yilian.supervision.models import Ticket

from ..models import Question, Section

pytestmark = pytest.mark.django_db


def test_demo_seeding_adds_the_questionnaire_and_feedback_once():
    first = demo.run_seed("small")

    assert first.created["accession"] == Question.objects.count() > 0
    assert set(Question.objects.values_list("section", flat=True)) == set(Section.values)
    assert first.created["feedback"] == 2
    assert Ticket.objects.filter(status=Ticket.Status.ANSWERED).count() == 1

    second = demo.run_seed("small")
    assert (second.created["accession"], second.created["feedback"]) == (0, 0)
    assert Ticket.objects.count() == 2
