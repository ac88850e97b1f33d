"""`rotobot demo` tells the autumn-2025 story on real history, offline, in a temporary database, and ends."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import clean_env


@pytest.mark.long
def test_the_demo_shows_the_record_the_spread_and_the_december_cut(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
        cwd=tmp_path, env=clean_env(), timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "ALERT [Thu 11 Dec 2025 16:00 EST] Russell 2000 (^RUT) closes at a record 2,590.61" in out
    assert "ALERT [Thu 11 Dec 2025 16:00 EST] Rotation into small caps: ^RUT/^NDX 20-session spread +5.01%" in out
    assert ("ALERT [Wed 10 Dec 2025 14:00 EST] FOMC lowers the target range 25 bp to 3.50%–3.75% — third "
            "consecutive cut") in out
    assert "As of Wed 31 Dec 2025, rotobot answers:" in out and "Rotation: small caps vs mega caps" in out
    # The seed's whole basket ships: RF and CFG answer to the last close of the year, on adjusted closes.
    rows = {row.split()[0]: row for row in out.splitlines() if row.startswith("    ") and len(row.split()) >= 2}
    assert rows["RF"].split()[1:] == ["26.59", "−0.81%", "+6.99%", "†"]
    assert rows["CFG"].split()[1:] == ["57.59", "−0.92%", "+7.02%", "†"]
    assert rows["KRE"].split()[1:] == ["64.81", "−0.96%", "+1.77%"]
    assert "    KRE, CFG, RF, AAON, ROAD: close of 31 Dec 2025" in out
    assert "    † CFG, RF, AAON, ROAD: adjusted closes (splits, dividends), not the prices of the day" in out
    assert "no data yet" not in out
    assert "<t:" not in out  # Discord's timestamps read as times on a console
    assert not (tmp_path / "data").exists()  # never the user's database


@pytest.mark.long
def test_a_real_jump_in_the_demo_is_held_once_and_confirmed_by_the_next_day_s_look(tmp_path):
    """AAON rose 10.1% on 18 Sep 2025. The demo's market is the bundled history: a later look at it is a later
    observation, as a later fetch would be upstream, so the jump gate confirms it the next day instead of holding
    it until it falls out of the gated sessions (and the basket shows AAON ten sessions late)."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
        cwd=tmp_path, env=clean_env(), timeout=120,
    )
    held = [line for line in (result.stdout + result.stderr).splitlines() if "AAON@2025-09-18" in line]
    assert len(held) == 1, held
