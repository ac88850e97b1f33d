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
