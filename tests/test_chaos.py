"""Kill anywhere, the short run: the week of bench/chaos.py killed 10 times, against the same week uninterrupted.

`python -m bench chaos` runs it with 200 kills; this is the part of it every `make test` runs
(10 kills: the suite must stay under CI's ten minutes; the bench's 200 cover the rare moments). The week goes
through the real jobs, engine, outbox, dispatcher and Discord and webhook transports in a child process that is
SIGKILLed at random moments and restarted on the same database; what every target received must match the
uninterrupted run: nothing lost, no duplicate without its "possibly repeated" mark, nothing misrouted.
"""

from __future__ import annotations

import pytest

from bench import chaos


@pytest.mark.long
async def test_ten_kills_lose_double_and_misroute_nothing(tmp_path):
    verdict, reference, killed = await chaos.run(kills=10, seed=11, folder=tmp_path)
    assert killed.kills == 10 and killed.lives == 11
    assert verdict.expected > 500  # the week is a real one: records, the spread, the Fed, subscriptions
    assert (verdict.lost, verdict.unmarked_duplicates, verdict.misrouted) == (0, 0, 0), chaos.line(verdict, killed)
    assert verdict.delivered == verdict.expected
    # The deleted channel, the channel that denies the bot and the closed DMs were given up on, with one notice a
    # target (none for a notice that itself could not be delivered), in both runs alike; nothing is owed at the end.
    assert killed.given_up == reference.given_up > 0 and killed.notices == reference.notices > 0
    assert killed.owed == reference.owed == 0
