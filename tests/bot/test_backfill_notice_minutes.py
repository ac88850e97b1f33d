"""Review 4: `rotobot backfill` no longer honours [market] source_down_notice_minutes.

Before the pipeline restructuring, the command line's back-fill built its market jobs with
bot/wiring.py `build_market_jobs(settings, ...)`, whose SourceHealth took
`timedelta(minutes=settings.market.source_down_notice_minutes)`. bot/cli_data.py `_backfill` now calls
bot/pipeline.py `build_market(...)` without `notice_after=`, so the default of 10 minutes applies whatever the
operator set: an operator who set 60 minutes (a flaky source is normal for them) is told "Data source yahoo has been
failing for 15 min" by a back-fill that ran for a quarter of an hour. The app's pipeline passes the setting; the
back-fill does not.

Fix: pass `notice_after=timedelta(minutes=settings.market.source_down_notice_minutes)` (and the metrics, if any)
in bot/cli_data.py, or let build_market take the settings' market section so no caller can forget it.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot import cli_data
from bot.cli import main


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self):  # every source answers 404: a failure that is not retried, so nothing waits
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        return None


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_backfill_waits_the_configured_minutes_before_saying_a_source_is_down(tmp_path, monkeypatch, capsys, upstream):
    for name in list(os.environ):
        if name.startswith(("ROTOBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROTOBOT_MARKET_YAHOO_URL", upstream)
    monkeypatch.setenv("ROTOBOT_MARKET_STOOQ_URL", upstream)
    monkeypatch.setenv("ROTOBOT_MARKET_SOURCE_DOWN_NOTICE_MINUTES", "60")
    # The back-fill's injected clock: five minutes pass at every look, so the run of failures lasts 15-20 minutes.
    moments = iter(datetime(2025, 12, 15, 15, 0, tzinfo=timezone.utc) + timedelta(minutes=5 * n) for n in range(1000))
    monkeypatch.setattr(cli_data, "_now", lambda: next(moments))

    code = main(["backfill", "IWM", "QQQ", "--since", "2025-12-01", "--db", str(tmp_path / "rotobot.db")])
    out, err = capsys.readouterr()
    assert code == 1 and "failed IWM" in out and "failed QQQ" in out  # both fetches failed, as arranged
    assert "has been failing for" not in err, (
        f"a 60-minute notice setting was ignored by the back-fill; it said: {err.strip()}")
