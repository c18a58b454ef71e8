"""Demo data of cloud rooms (a step of ``seed_demo``): the demo room administrator opens a
meeting in the lead hospital's meeting room with the demo expert and the demo county
doctor invited, and the chat already holds two messages. Looked up by title first: a
second run creates nothing."""

from __future__ import annotations

import uuid

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step
from yilian.orgs.models import Room

from .models import RoomSession
from .services import open_room_session, post_message

TITLE = "每周远程病例讨论会"
# Fixed message ids: the demo is deterministic and re-sending them stores nothing new.
MESSAGES = (
    (
        Role.ROOM_ADMIN,
        uuid.UUID("6a1d6a3e-3d59-4d0c-9c37-0d6f6d0a0001"),
        "各位好，今天讨论两例胸痛患者。",
    ),
    (Role.EXPERT, uuid.UUID("6a1d6a3e-3d59-4d0c-9c37-0d6f6d0a0002"), "请先共享第一例的心电图。"),
)


def _demo_user(role: str) -> User | None:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == role)
    return User.objects.filter(phone=phone).first()


def seed_rooms_demo(ctx: SeedContext) -> int:
    admin = _demo_user(Role.ROOM_ADMIN)
    if admin is None or RoomSession.objects.filter(title=TITLE, ended_at=None).exists():
        return 0
    rooms = Room.objects.filter(administrators=admin, is_active=True).order_by("name", "pk")
    room = rooms.filter(kind=Room.Kind.MEETING).first() or rooms.first()
    if room is None:
        return 0
    invited = [u for u in (_demo_user(Role.EXPERT), _demo_user(Role.STAFF)) if u is not None]
    session = open_room_session(room, actor=admin, title=TITLE, people=invited)
    by_role = {Role.ROOM_ADMIN: admin, Role.EXPERT: invited[0] if invited else admin}
    for role, client_id, body in MESSAGES:
        post_message(session, sender=by_role[role], client_id=client_id, body=body)
    return 1 + len(MESSAGES)


register_step("realtime", seed_rooms_demo)
