"""The calendar feed (RFC 5545, built with icalendar): one event per open reminder."""

import datetime

from icalendar import Calendar, Event

from jobhax.clock import utcnow

PRODID = "-//JobHax//Reminders//EN"
UID_DOMAIN = "reminders.jobhax"


def reminder_uid(reminder_id):
    """Stable for the reminder's whole life, so calendar apps update the event instead of adding one."""
    return f"reminder-{reminder_id}@{UID_DOMAIN}"


def feed(rows, now=None):
    """``rows``: (Reminder, job title, company), soonest first. The feed's bytes."""
    now = now or utcnow()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "JobHax reminders")
    for reminder, job_title, company in rows:
        event = Event()
        event.add("uid", reminder_uid(reminder.id))
        event.add("dtstamp", now)
        event.add("dtstart", reminder.due_at.astimezone(datetime.UTC))
        event.add("summary", reminder.text)
        event.add("description", f"{job_title} at {company}")
        calendar.add_component(event)
    return calendar.to_ical()
