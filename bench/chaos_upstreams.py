"""The upstreams of the chaos week, served on loopback by the harness's parent so they outlive every kill.

A Discord (tests/fake_discord.py) with three servers and 300 people, a Fed that publishes the 10 December
statement when the week says so, and a webhook that can be told to answer 500.
"""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

from bench import chaos_world as world
from tests.fake_discord import FakeChannel, FakeDiscord, FakeRole

ROOT = Path(__file__).resolve().parent.parent
FEED = (ROOT / "tests/fixtures/fomc/press_monetary_trimmed_capture_2026-08-15.xml").read_text()
STATEMENT = (ROOT / "tests/fixtures/fomc/monetary20251210a_article_excerpt.htm").read_text()
# The recorded feed, its statement item pointed at 10 December 2025 once published, and left out before.
PUBLISHED_FEED = FEED.replace("monetary20260729a.htm", "monetary20251210a.htm").replace(
    "Wed, 29 Jul 2026 18:00:00 GMT", "Wed, 10 Dec 2025 19:00:00 GMT")
UNPUBLISHED_FEED = re.sub(r"\s*<item>\s*<title>Federal Reserve issues FOMC statement</title>.*?</item>", "", FEED,
                          count=1, flags=re.S)


class Fed:
    """The Federal Reserve's press feed and the 10 December statement, published when the week says so."""

    def __init__(self) -> None:
        self.published = False
        app = web.Application()
        app.router.add_get("/feeds/press_monetary.xml", self._feed)
        app.router.add_get("/newsevents/pressreleases/monetary20251210a.htm", self._statement)
        app.router.add_post("/_control/publish", self._publish)
        self.app = app

    async def _feed(self, request: web.Request) -> web.Response:
        return web.Response(text=PUBLISHED_FEED if self.published else UNPUBLISHED_FEED, content_type="application/xml")

    async def _statement(self, request: web.Request) -> web.Response:
        if not self.published:
            return web.Response(status=404, text="Not Found")
        return web.Response(text=STATEMENT, content_type="text/html")

    async def _publish(self, request: web.Request) -> web.Response:
        self.published = True
        return web.Response(text="ok")


class Webhook:
    """A Discord webhook endpoint that records each post, or answers 500 while it is down."""

    def __init__(self) -> None:
        self.down = False
        self.posts: list[str] = []
        app = web.Application()
        app.router.add_post("/api/webhooks/{id}/{token}", self._post)
        app.router.add_post("/_control/{state}", self._control)
        self.app = app

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.down:
            return web.Response(status=500, text='{"message": "500: Internal Server Error", "code": 0}',
                                headers={"Content-Type": "application/json"})
        self.posts.append(body["content"])
        return web.Response(text='{"id": "1"}', headers={"Content-Type": "application/json"})

    async def _control(self, request: web.Request) -> web.Response:
        self.down = request.match_info["state"] == "down"
        return web.Response(text="ok")


def fake_discord() -> FakeDiscord:
    fake = FakeDiscord()
    fake.add_guild(world.ALPHA, "Alpha", [(world.ALPHA_ALERTS, "alerts"), (world.ALPHA_OPS, "ops"),
                                          (world.ALPHA_GENERAL, "general")],
                   roles=[FakeRole(world.ALPHA_ROLE, "traders")])
    fake.add_guild(world.BRAVO, "Bravo", [(world.BRAVO_ALERTS, "alerts")], roles=[FakeRole(world.BRAVO_ROLE, "desk")])
    fake.add_guild(world.CHARLIE, "Charlie", [FakeChannel(world.CHARLIE_ALERTS, "alerts", world.CHARLIE,
                                                          can_send=False)])
    for n in range(world.PEOPLE):
        fake.add_user(world.FIRST_PERSON + n, f"trader{n}", dms_open=n >= world.CLOSED_DMS)
    return fake
