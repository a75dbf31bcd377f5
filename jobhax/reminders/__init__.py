"""Reminders on applications, and the calendar feed that shows the open ones."""


def includeme(config):
    config.scan("jobhax.reminders.views")
