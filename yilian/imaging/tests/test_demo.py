from __future__ import annotations

import pytest
from django.core.management import call_command

from ..models import Slide, Study

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_de_identified_study_and_a_slide_and_a_second_run_adds_nothing():
    call_command("seed_demo", "--scale", "small", verbosity=0)
    study = Study.objects.get()
    assert study.deidentified and study.instance_count == 24
    assert Slide.objects.get().width == 1024
    call_command("seed_demo", "--scale", "small", verbosity=0)
    assert Study.objects.count() == 1 and Slide.objects.count() == 1
