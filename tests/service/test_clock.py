"""The platform's calendar is the city's (China Standard Time), for stored times as for today."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from service import clock
from service.web.templating import cn_date


def test_a_stored_time_falls_on_the_citys_date() -> None:
    # 23:30 UTC on 30 November is 07:30 on 1 December in the city
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert clock.city_date(late) == date(2026, 12, 1)
    assert clock.city_date(late.replace(tzinfo=None)) == date(2026, 12, 1)  # naive: stored UTC
    assert clock.city_date(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == date(2026, 11, 30)
    assert clock.city_date(datetime(2026, 12, 1, 7, 0, tzinfo=timezone(timedelta(hours=8)))) == date(2026, 12, 1)


def test_pages_show_a_stored_time_on_the_citys_date() -> None:
    assert cn_date(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == "2027年1月1日"
    assert cn_date(date(2026, 12, 31)) == "2026年12月31日"
    assert cn_date(None) == ""


def test_today_is_the_citys_date() -> None:
    before = datetime.now(timezone(timedelta(hours=8))).date()
    today = clock.today()
    after = datetime.now(timezone(timedelta(hours=8))).date()
    assert today in {before, after}


def test_the_calendars_first_and_last_days_bound_a_filter() -> None:
    # a filter typed as 0001-01-01 or 9999-12-31 (the API's fuzzing sends them) is the whole calendar, not a 500
    assert clock.day_start(date.min) == datetime.min.replace(tzinfo=UTC)
    assert clock.day_end(date.max) == datetime.max.replace(tzinfo=UTC)
    assert clock.day_end(date(2026, 12, 1)) == clock.day_start(date(2026, 12, 2))
    assert clock.day_start(date(2026, 12, 1)) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "year"), [(date(2026, 1, 1), 2026), (date(2026, 11, 30), 2026), (date(2026, 12, 1), 2027)]
)
def test_a_yearly_plan_made_in_december_is_for_next_year(monkeypatch: pytest.MonkeyPatch, day: date, year: int) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)
    assert clock.planning_year() == year
