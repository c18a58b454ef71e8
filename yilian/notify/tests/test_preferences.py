"""The notification settings page: defaults until saved, one row per user, linked from the
message list and the profile."""

from __future__ import annotations

from django.urls import reverse

from yilian.accounts.roles import Role
from yilian.core.tests.html import parse
from yilian.notify.models import NotificationPreference

URL = "/notifications/preferences/"


def _checked(response) -> dict[str, bool]:
    form = parse(response).one("form", id="preferences")
    return {
        box.get("name"): "checked" in box.attrs for box in form.find_all("input", type="checkbox")
    }


def test_the_page_has_its_name():
    assert reverse("notify:preferences") == URL


def test_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_defaults_are_shown_without_saving_anything(login, staff_a):
    response = login(staff_a).get(URL)

    assert response.status_code == 200
    assert _checked(response) == {"email": True, "sms": True, "sms_urgent_only": True}
    assert not NotificationPreference.objects.exists()


def test_saving_stores_the_choice_and_says_so(login, staff_a):
    client = login(staff_a)

    response = client.post(URL, {"email": "on"}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    preference = NotificationPreference.objects.get(user=staff_a)
    assert (preference.email, preference.sms, preference.sms_urgent_only) == (True, False, False)
    assert parse(response).find("div", class_="alert-success") is not None
    assert _checked(response) == {"email": True, "sms": False, "sms_urgent_only": False}


def test_saving_again_updates_the_same_row(login, staff_a):
    client = login(staff_a)
    client.post(URL, {"email": "on"})

    client.post(URL, {"sms": "on", "sms_urgent_only": "on"})

    preference = NotificationPreference.objects.get(user=staff_a)
    assert (preference.email, preference.sms, preference.sms_urgent_only) == (False, True, True)


def test_saving_changes_only_ones_own_preferences(login, staff_a, staff_b):
    login(staff_a).post(URL, {})

    assert list(NotificationPreference.objects.values_list("user", flat=True)) == [staff_a.pk]


def test_without_an_email_address_the_page_points_to_the_profile(login, staff_a):
    response = login(staff_a).get(URL)

    hint = parse(response).one("div", id="field-email")
    assert reverse("accounts:profile") in [a.get("href") for a in hint.find_all("a")]


def test_with_an_email_address_the_page_names_it(login, make_user, hospital_a):
    user = make_user(Role.STAFF, hospital=hospital_a, email="li@a.example")

    response = login(user).get(URL)

    assert "li@a.example" in parse(response).one("div", id="field-email").text
    assert user.phone not in response.content.decode()


def test_the_message_list_and_the_profile_link_to_the_page(login, staff_a):
    client = login(staff_a)
    for page in (reverse("notify:list"), reverse("accounts:profile")):
        links = [a.get("href") for a in parse(client.get(page)).find_all("a")]
        assert URL in links, page
