"""Outgoing mail: built by the domains, sent by their background jobs through :mod:`jobhax.mail.transport`."""
