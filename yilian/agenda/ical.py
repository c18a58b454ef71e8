"""Entries as an iCalendar (RFC 5545) document, each in its host hospital's zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar, Event

from .sources import Entry

PRODID = "-//Yilian//Calendar feed//ZH"


def _in_zone(value: datetime | object, zone: str) -> object:
    return value.astimezone(ZoneInfo(zone)) if isinstance(value, datetime) else value


def render(entries: Iterable[Entry], *, name: str, base_url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("summary", entry.summary)
        event.add("dtstart", _in_zone(entry.start, entry.time_zone))
        if entry.end is not None:
            event.add("dtend", _in_zone(entry.end, entry.time_zone))
        if entry.location:
            event.add("location", entry.location)
        event.add("url", base_url + entry.path)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
