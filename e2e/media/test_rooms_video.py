"""Video in a cloud room, in Chromium with fake camera and microphone: two doctors over
the WebRTC mesh (our signalling on the room's websocket), then three through Janus's
VideoRoom (Debian's Janus started with deploy/janus). Every join and leave is an
attendance row."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.media.conftest import wait_for
from yilian.realtime.models import Attendance, ChatMessage, RoomSession

# Remote videos that play: a decoded frame size and a clock that moves.
PLAYING = """async (count) => {
  const playing = (v) => v.videoWidth > 0 && v.readyState >= 2;
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const videos = [...document.querySelectorAll("video[data-remote]")].filter(playing);
    if (videos.length >= count) {
      const before = videos.map((v) => v.currentTime);
      await new Promise((r) => setTimeout(r, 1500));
      const moved = videos.filter((v, i) => v.currentTime > before[i]);
      if (moved.length >= count) {
        return moved.map((v) => ({ width: v.videoWidth, height: v.videoHeight }));
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return [...document.querySelectorAll("video[data-remote]")].map((v) => ({
    width: v.videoWidth, height: v.videoHeight, time: v.currentTime, state: v.readyState }));
}"""


def _remote_videos(page, count: int) -> list[dict]:
    return page.evaluate(PLAYING, count)


def _closed_attendance(session: RoomSession, rows: int) -> bool:
    done = Attendance.objects.filter(session=session, left_at__isnull=False).count()
    return done >= rows and not Attendance.objects.filter(session=session, left_at=None).exists()


def test_two_doctors_see_each_other_over_the_mesh_and_chat(
    settings, signed_in, scheduled, staff_a, expert
):
    settings.YILIAN_VIDEO_BACKEND = "p2p"
    county, specialist = signed_in(staff_a), signed_in(expert)

    county.goto(f"/rooms/request/{scheduled.public_id}/")
    expect(county.locator("body")).to_have_attribute("data-room-state", "open")
    specialist.goto(f"/rooms/request/{scheduled.public_id}/")
    expect(specialist.locator("body")).to_have_attribute("data-room-state", "open")
    assert county.url == specialist.url

    county_sees, specialist_sees = _remote_videos(county, 1), _remote_videos(specialist, 1)
    assert len(county_sees) == 1 and county_sees[0]["width"] > 0, county_sees
    assert len(specialist_sees) == 1 and specialist_sees[0]["width"] > 0, specialist_sees

    county.locator("#chat-text").fill("患者心电图已上传，请看 V1-V4。")
    county.locator("#chat-text").press("Enter")
    expect(specialist.locator("[data-chat-log]")).to_contain_text("患者心电图已上传")
    specialist.locator("#chat-text").fill("看到了，考虑前壁心梗。")
    specialist.locator("[data-chat-form] button.btn-primary").click()
    expect(county.locator("[data-chat-log]")).to_contain_text("考虑前壁心梗")

    session = RoomSession.objects.get(request=scheduled)
    assert list(ChatMessage.objects.filter(session=session).values_list("seq", "sender")) == [
        (1, staff_a.pk),
        (2, expert.pk),
    ]
    county.context.close()
    specialist.context.close()
    wait_for(lambda: _closed_attendance(session, 2), 10, "both leaves recorded")
    rows = Attendance.objects.filter(session=session)
    assert {r.user_id for r in rows} == {staff_a.pk, expert.pk}
    assert all(r.left_at > r.joined_at for r in rows)


def test_three_participants_each_receive_two_videos_through_janus(
    settings, janus_server, signed_in, scheduled, staff_a, expert, hospital_admin_a
):
    settings.YILIAN_VIDEO_BACKEND = "janus"
    settings.YILIAN_JANUS_URL = settings.YILIAN_JANUS_PUBLIC_URL = janus_server.url
    settings.YILIAN_JANUS_ADMIN_KEY = janus_server.admin_key
    people = [staff_a, expert, hospital_admin_a]
    pages = [signed_in(person) for person in people]
    for page in pages:
        page.goto(f"/rooms/request/{scheduled.public_id}/")
        expect(page.locator("body")).to_have_attribute("data-room-state", "open")

    seen = [_remote_videos(page, 2) for page in pages]

    for videos in seen:
        assert len(videos) == 2 and all(v["width"] > 0 for v in videos), seen
    session = RoomSession.objects.get(request=scheduled)
    for page in pages:
        page.context.close()
    wait_for(lambda: _closed_attendance(session, 3), 10, "three leaves recorded")
    assert sorted(
        Attendance.objects.filter(session=session).values_list("user_id", flat=True)
    ) == sorted(p.pk for p in people)
