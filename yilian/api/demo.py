"""Demo data for the API: a read-only personal access token of the demo hospital's staff
member, printed once by ``seed_demo`` so the API can be tried with curl at once."""

from __future__ import annotations

from django.conf import settings

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step

from .models import PersonalAccessToken
from .services import create_token

DEMO_LABEL = "演示：只读接口"


def seed_api_token(ctx: SeedContext) -> int:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == Role.STAFF)
    staff = User.objects.filter(phone=phone).first()
    if staff is None or PersonalAccessToken.objects.filter(user=staff).exists():
        return 0
    _token, raw = create_token(staff, name=DEMO_LABEL, scope="read", days=365)
    ctx.log(f"api token   read-only token of {phone} (shown once): {raw}")
    ctx.log(
        f"            curl -H 'Authorization: Bearer {raw}' {settings.YILIAN_BASE_URL}/api/v1/me/"
    )
    return 1


register_step("api", seed_api_token)
