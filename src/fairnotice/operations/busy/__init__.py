"""Busy time: uploads, subscriptions, CalDAV and cloud calendars, their refresh and reads."""
