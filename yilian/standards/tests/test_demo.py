"""The standards part of the demo seeder: two standards (one in a second version) with a
few acknowledgements of the current versions; a second run creates nothing."""

from __future__ import annotations

import pytest

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs import demo

from .. import selectors
from ..models import Standard
from ..policies import is_targeted

pytestmark = pytest.mark.django_db


def test_demo_seeds_two_standards_with_acknowledgements_once():
    first = demo.run_seed("small")
    assert first.created["standards"] >= 5
    standards = {s.title: s for s in Standard.objects.all()}
    assert len(standards) == 2
    assert sorted(s.versions.count() for s in standards.values()) == [1, 2]
    for standard in standards.values():
        overall, _rows = selectors.adoption(standard)
        assert overall.targeted > overall.acknowledged > 0
    staff = User.objects.get(phone=next(d.phone for d in demo.DEMO_LOGINS if d.role == Role.STAFF))
    to_read = [
        s for s in selectors.standards_for(staff) if selectors.my_acknowledgement(staff, s) is None
    ]
    assert len(to_read) == 1 and is_targeted(staff, to_read[0])

    second = demo.run_seed("small")
    assert second.created["standards"] == 0
    assert Standard.objects.count() == 2
