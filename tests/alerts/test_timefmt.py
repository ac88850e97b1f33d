"""One wording for 'how long ago' everywhere a reader sees it."""

from datetime import datetime, timedelta, timezone

import pytest

from alerts.timefmt import age, age_text


@pytest.mark.parametrize(
    "seconds, shown",
    [(-5, "0s"), (45, "45s"), (119, "119s"), (120, "2 min"), (7199, "119 min"), (7200, "2 h"), (3 * 86400, "3 days")],
)
def test_age_text(seconds, shown):
    assert age_text(seconds) == shown
    assert age_text(timedelta(seconds=seconds)) == shown


def test_age_between_two_instants():
    now = datetime(2025, 12, 11, 21, 0, tzinfo=timezone.utc)
    assert age(now - timedelta(minutes=12), now) == "12 min"


def test_discord_timestamps_read_in_the_display_zone_on_a_console():
    from zoneinfo import ZoneInfo

    from alerts.timefmt import local_times

    ny = ZoneInfo("America/New_York")
    now = datetime(2026, 1, 25, 12, 0, tzinfo=ny)
    decision = int(datetime(2026, 1, 28, 14, 0, tzinfo=ny).timestamp())
    text = f"next decision <t:{decision}:F> (<t:{decision}:R>), muted until <t:{decision}:t>; <t:x:F> stays"
    assert local_times(text, ny, now) == ("next decision Wed 28 Jan 2026 14:00 EST (in 3 days), muted until "
                                          "14:00 EST; <t:x:F> stays")
    assert local_times(f"<t:{int(now.timestamp()) - 3600}:R>", ny, now) == "60 min ago"
