"""The referral's summary (the receiving team's concluding opinion) on the request page."""

from __future__ import annotations

from django import template

from yilian.workflow.models import BusinessRequest, Opinion
from yilian.workflow.selectors import conclusion_of

register = template.Library()


@register.simple_tag
def referral_summary(req: BusinessRequest) -> Opinion | None:
    return conclusion_of(req)


@register.filter
def referral_booked(req: BusinessRequest) -> bool:
    """Whether the receiving side has booked the referral (the letter exists)."""
    from yilian.referrals.selectors import is_booked

    return is_booked(req)
