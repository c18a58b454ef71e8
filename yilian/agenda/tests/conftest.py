"""The calendar reads the closed loop's sessions and the follow-up plans: reuse their casts."""

from yilian.followups.tests.conftest import (  # noqa: F401
    follow_up_team,
    patient_a,
    plan,
    template,
)
from yilian.realtime.tests.conftest import scheduled  # noqa: F401
from yilian.workflow.tests.conftest import kinds, loop, team  # noqa: F401
