"""The platform's calendar: China Standard Time (UTC+8, no daylight saving), whatever the server's own clock says.

A visit's date, a contact's date, "this year" for reports and quotas and the day a concern was answered are days
as the city lives them. The server's own date is not: on a server kept in UTC it is still the day before until
08:00 in the city, so a visit recorded at 07:00 with the day's date was refused as lying in the future, and on
1 January the reports opened on the year just ended.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

#: The city's time zone: officials count days, months and years in it.
CHINA_TIME = timezone(timedelta(hours=8))


def today() -> date:
    """Today's date in the city."""
    return datetime.now(CHINA_TIME).date()


def planning_year() -> int:
    """The year a yearly plan made today is for: this year, and next year from 1 December (the leaders' pairs for
    a year are planned in the December before it)."""
    day = today()
    return day.year + 1 if day.month == 12 else day.year


def stored_instant(moment: datetime) -> datetime:
    """A stored time with its zone: the database keeps instants in UTC, and SQLite hands them back naive."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def day_start(day: date) -> datetime:
    """The instant (UTC) the city's `day` begins: a filter from `day` to `end` is [day_start(day),
    day_start(end + 1 day)). The calendar's first day (1 January of year 1, a filter typed as 0001-01-01) begins at
    the earliest instant there is: its start in UTC would fall before it."""
    if day == date.min:
        return datetime.min.replace(tzinfo=UTC)
    return datetime(day.year, day.month, day.day, tzinfo=CHINA_TIME).astimezone(UTC)


def day_end(day: date) -> datetime:
    """The instant (UTC) the city's day after `day` begins: a filter to `day` is [..., day_end(day)). The
    calendar's last day (9999-12-31) ends at the latest instant there is."""
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return day_start(day + timedelta(days=1))


def city_date(moment: datetime) -> date:
    """The city's date at `moment` (a stored time: UTC, or naive and then taken as UTC, as the database keeps it)."""
    return stored_instant(moment).astimezone(CHINA_TIME).date()
