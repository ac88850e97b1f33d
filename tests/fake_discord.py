"""Discord's REST API and gateway on loopback, for the real, unmodified discord.py client.

The bot logs in (GET /users/@me, /oauth2/applications/@me), connects to the gateway (HELLO, IDENTIFY, READY, one
GUILD_CREATE per guild, heartbeats) and sends to channels and DMs; every message the fake accepts is kept in
`messages`, in order. Shards are Discord's: GET /gateway/bot recommends `recommended_shards`, each shard sees only
its own guilds (`(guild_id >> 22) % shard_count`), and an IDENTIFY whose shard would hold more than
`max_guilds_per_shard` guilds (Discord: 2,500) is closed with 4011, sharding required. Scenario switches (a channel deleted, a permission denied, a route failing) are methods here
and also plain HTTP routes under /_fake/, so a bot in another process can flip them and the process that owns the
fake can read what it received. That other process may be SIGKILLed at any moment: its socket is simply forgotten,
and the next process IDENTIFYs afresh.

Payloads follow Discord's documented shapes, with the fields discord.py reads (all the ones it requires).
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import hashlib
import json
import math
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus

import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web

API = "/api/v10"
GATEWAY_PATH = "/gateway"
DISCORD_EPOCH_MS = 1_420_070_400_000
HEARTBEAT_INTERVAL_MS = 41_250  # what Discord sends in HELLO
MAX_GUILDS_PER_SHARD = 2_500  # past this Discord closes an IDENTIFY with SHARDING_REQUIRED
SHARDING_REQUIRED = 4011  # https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-close-event-codes

# Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway)
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 9, 10, 11

# Permission bits (https://discord.com/developers/docs/topics/permissions)
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
# @everyone in an ordinary server: read, write, embed, attach, react, use commands; nothing administrative.
EVERYONE_PERMISSIONS = (VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
                        | ADD_REACTIONS | USE_EXTERNAL_EMOJIS | USE_APPLICATION_COMMANDS)
# A bot in fewer than 100 servers with the Message Content intent switched on in the developer portal.
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19

INJECTED_RETRY_AFTER = 0.01  # seconds, in an injected 429: the client backs off, barely


@dataclass(frozen=True)
class ApiError:
    status: int
    code: int
    message: str


# Discord's own statuses, codes and messages (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
UNAUTHORIZED = ApiError(401, 0, "401: Unauthorized")
NOT_FOUND = ApiError(404, 0, "404: Not Found")
METHOD_NOT_ALLOWED = ApiError(405, 0, "405: Method Not Allowed")
UNKNOWN_CHANNEL = ApiError(404, 10003, "Unknown Channel")
UNKNOWN_USER = ApiError(404, 10013, "Unknown User")
MISSING_ACCESS = ApiError(403, 50001, "Missing Access")
EMPTY_MESSAGE = ApiError(400, 50006, "Cannot send an empty message")
CANNOT_DM = ApiError(403, 50007, "Cannot send messages to this user")
MISSING_PERMISSIONS = ApiError(403, 50013, "Missing Permissions")
INVALID_RECIPIENT = ApiError(400, 50033, "Invalid Recipient(s)")


def json_response(body, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py parses the body only for that Content-Type, and aiohttp's
    # web.json_response would append "; charset=utf-8".
    return web.Response(status=status, body=json.dumps(body).encode(),
                        headers={"Content-Type": "application/json", **(headers or {})})


def error_response(error: ApiError) -> web.Response:
    return json_response({"message": error.message, "code": error.code}, status=error.status)


def server_error_response(status: int) -> web.Response:
    return json_response({"message": f"{status}: {HTTPStatus(status).phrase}", "code": 0}, status=status)


def utc_timestamp() -> str:
    return datetime.now(timezone.utc).isoformat()


class Snowflakes:
    """Discord ids: milliseconds since 2015 in the top bits, so discord.py's created_at is right; always increasing."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        self._last = max(self._last + 1, (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22)
        return self._last


@dataclass
class FakeChannel:
    id: int
    name: str
    guild_id: int
    can_send: bool = True  # False: the bot lacks Send Messages here
    can_view: bool = True  # False: the bot lacks View Channel here (Missing Access)
    position: int = 0
    deleted: bool = False


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0


@dataclass
class FakeUser:
    id: int
    name: str
    dms_open: bool = True  # False: sends to this user's DM answer 50007, as for closed DMs or a blocked bot
    bot: bool = False


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, FakeChannel]
    roles: list[FakeRole]  # @everyone (id = the guild's id) first
    joined_at: str  # when the bot joined; the bot is the one member the fake shows


@dataclass
class SentMessage:
    id: int
    channel_id: int
    guild_id: int | None
    recipient_id: int | None  # the user, for a DM
    content: str
    allowed_mentions: dict | None
    embeds: list
    attachments: list[str] = field(default_factory=list)  # file names
    at: float = field(default_factory=time.time)  # when it arrived (seconds since the epoch, for another process)


@dataclass
class ApiRequest:
    method: str
    path: str  # under /api/v10
    status: int


@dataclass
class Failure:
    """Requests answered with `status` instead: those matching "METHOD /path" (fnmatch, path under /api/v10), or
    any request on one channel (an int). `count` None fails until clear_failures()."""

    target: str | int
    status: int = 500
    count: int | None = None

    def matches(self, method: str, path: str, channel_id: int | None) -> bool:
        if isinstance(self.target, int):
            return channel_id == self.target
        return fnmatch.fnmatchcase(f"{method} {path}", self.target)


class RateLimits:
    """The X-RateLimit-* headers of a successful answer. Nothing is limited: every bucket stays nearly full.

    tests/discord_rate_limits.py holds the enforcing kind (Discord's global 50/s and per-route buckets), which
    answers an exhausted bucket with `too_many_requests` from `admit` instead of calling the handler.
    """

    # Roomy on purpose: discord.py keeps at most `remaining` requests of a bucket in flight and sleeps out
    # `reset_after` when it runs dry, so small numbers here would throttle every test as if Discord had.
    LIMIT = 50
    RESET_AFTER = 1.0

    def __init__(self) -> None:
        self.refused: list[tuple[float, str]] = []  # (time.time(), scope) of every 429 answered

    def admit(self, bucket: str) -> web.Response | None:
        """The 429 a request gets instead of its answer, or None to let it through (always, here)."""
        return None

    def stats(self) -> dict:
        return {"refused": [{"at": at, "scope": scope} for at, scope in self.refused]}

    def bucket(self, request: web.Request) -> str:
        route = request.match_info.route.resource
        template = route.canonical if route is not None else request.path
        major = [request.match_info.get(k, "") for k in ("channel_id", "guild_id", "webhook_id")]
        return f"{request.method} {template}:{':'.join(major)}"

    def headers(self, bucket: str, remaining: int = LIMIT - 1) -> dict[str, str]:
        route = bucket.rsplit(":", 3)[0]  # one hash per route; the major parameters split it into buckets
        return {
            "X-RateLimit-Limit": str(self.LIMIT),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + self.RESET_AFTER:.3f}",
            "X-RateLimit-Reset-After": f"{self.RESET_AFTER:.3f}",
            "X-RateLimit-Bucket": hashlib.md5(route.encode()).hexdigest(),
        }

    def too_many_requests(self, bucket: str, retry_after: float, *, is_global: bool = False) -> web.Response:
        # As in Discord's examples: a global 429 names no bucket; a route's carries its bucket's headers.
        headers = {**({} if is_global else self.headers(bucket, remaining=0)),
                   "Retry-After": str(math.ceil(retry_after)),
                   "X-RateLimit-Scope": "global" if is_global else "user",
                   "Via": "1.1 google"}  # discord.py takes a 429 without Via for a Cloudflare ban and gives up
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        self.refused.append((time.time(), "global" if is_global else "user"))
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        return json_response(body, status=429, headers=headers)


class GatewayConnection:
    """One client's websocket, with its own sequence numbers and, if it asked for zlib-stream, its own zlib stream."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self._transport = request.transport
        self.session_id: str | None = None
        self._sequence = 0
        # zlib-stream: one compression context for the whole connection, each payload ending in a sync flush
        # (00 00 ff ff), which is how discord.py knows a message is complete. Without it (or for a compression this
        # fake does not speak, such as zstd-stream) frames go out as text, which discord.py always accepts.
        self._zlib = zlib.compressobj() if request.query.get("compress") == "zlib-stream" else None
        self._lock = asyncio.Lock()  # sequence numbers and zlib frames must leave in the order they were made
        self.shard = (0, 1)  # (shard id, shard count) from IDENTIFY; an unsharded client is shard 0 of 1

    def holds(self, guild_id: int) -> bool:
        """Whether this connection's shard is the one Discord sends `guild_id`'s events to."""
        shard_id, count = self.shard
        return (guild_id >> 22) % count == shard_id

    async def send(self, op: int, d, event: str | None = None) -> None:
        async with self._lock:
            sequence = None
            if op == DISPATCH:
                self._sequence += 1
                sequence = self._sequence
            text = json.dumps({"op": op, "d": d, "s": sequence, "t": event})
            if self._zlib is None:
                await self.ws.send_str(text)
            else:
                await self.ws.send_bytes(self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH))

    async def dispatch(self, event: str, d) -> None:
        await self.send(DISPATCH, d, event)

    def abort(self) -> None:
        """Cut the TCP connection without a close frame, as a network failure would."""
        if self._transport is not None:
            self._transport.abort()


@contextlib.contextmanager
def discord_py_pointed_at(url: str) -> Iterator[None]:
    """discord.py's REST calls and gateway go to `url` (a FakeDiscord, maybe in another process) inside the block.

    A plain discord.Client never asks GET /gateway/bot: it connects to DiscordWebSocket.DEFAULT_GATEWAY, and returns
    there after INVALID_SESSION, so that is redirected along with Route.BASE.
    """
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"{url}{API}"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url.replace("http", "ws", 1) + GATEWAY_PATH)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


class FakeDiscord:
    def __init__(self, *, bot_id: int = 1_150_000_000_000_000_001, application_id: int | None = None,
                 bot_name: str = "rotobot", heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
                 recommended_shards: int = 1, max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD,
                 rate_limits: RateLimits | None = None) -> None:
        self._snowflakes = Snowflakes()
        self.bot = FakeUser(bot_id, bot_name, bot=True)
        self.owner = FakeUser(self._snowflakes.next(), "owner")  # owns the application and, by default, the guilds
        self.application_id = application_id or bot_id  # on Discord a bot user usually shares its application's id
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.recommended_shards = recommended_shards  # what GET /gateway/bot answers; change it as guilds grow
        self.max_guilds_per_shard = max_guilds_per_shard
        self.closed_sharding_required: list[tuple[int, int]] = []  # the (shard id, count) of each 4011 close
        self.guilds: dict[int, FakeGuild] = {}
        self._channel_guilds: dict[int, int] = {}  # channel id -> its guild's, as added
        self.users: dict[int, FakeUser] = {bot_id: self.bot, self.owner.id: self.owner}
        self.messages: list[SentMessage] = []
        self.requests: list[ApiRequest] = []
        self.identifies: list[dict] = []  # every IDENTIFY's d, in order
        self.resumes: list[dict] = []  # every RESUME's d (each was answered with INVALID_SESSION)
        self.commands: dict[int | None, list[dict]] = {}  # guild id (None: global) -> the last synced commands
        self.rate_limits = rate_limits or RateLimits()
        self.url = ""
        self.gateway_url = ""
        self._dm_channels: dict[int, int] = {}  # user id -> DM channel id, stable for the fake's life
        self._dm_recipients: dict[int, int] = {}  # DM channel id -> user id
        self._failures: list[Failure] = []
        self._outages: set[int] = set()  # guilds Discord cannot serve now: unavailable in READY, no GUILD_CREATE
        self._gateways: set[GatewayConnection] = set()
        self._tasks: set[asyncio.Task] = set()
        self._change = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # --- the world -----------------------------------------------------------------------------------------------

    def add_guild(self, guild_id: int, name: str, channels: Iterable[tuple[int, str] | FakeChannel], *,
                  roles: Iterable[FakeRole] = (), owner_id: int | None = None) -> FakeGuild:
        """A guild the bot is a member of. A channel is an (id, name) pair, or a FakeChannel for one the bot may not
        write to (can_send=False) or see (can_view=False)."""
        made = {}
        for position, channel in enumerate(channels):
            if not isinstance(channel, FakeChannel):
                channel = FakeChannel(*channel, guild_id=guild_id)
            channel.guild_id, channel.position = guild_id, position
            made[channel.id] = channel
        everyone = FakeRole(guild_id, "@everyone", EVERYONE_PERMISSIONS)
        guild = FakeGuild(guild_id, name, owner_id or self.owner.id, made, [everyone, *roles], utc_timestamp())
        self.guilds[guild_id] = guild
        self._channel_guilds.update((channel_id, guild_id) for channel_id in made)
        return guild

    def add_user(self, user_id: int, name: str, *, dms_open: bool = True) -> FakeUser:
        user = self.users[user_id] = FakeUser(user_id, name, dms_open)
        return user

    def channel(self, channel_id: int) -> FakeChannel | None:
        known = self.guilds.get(self._channel_guilds.get(channel_id))  # found at once among 10,000 guilds (bench)
        if known is not None and channel_id in known.channels:
            return known.channels[channel_id]
        return next((g.channels[channel_id] for g in self.guilds.values() if channel_id in g.channels), None)

    # --- scenario switches ---------------------------------------------------------------------------------------

    def delete_channel(self, channel_id: int) -> None:
        """Sends and fetches answer 404 Unknown Channel from now on; live gateways get CHANNEL_DELETE."""
        channel = self.channel(channel_id)
        channel.deleted = True
        self._broadcast("CHANNEL_DELETE", self._channel_payload(channel), channel.guild_id)

    def deny_channel(self, channel_id: int) -> None:
        """The bot loses Send Messages there: sends answer 403 Missing Permissions; gateways get CHANNEL_UPDATE."""
        channel = self.channel(channel_id)
        channel.can_send = False
        self._broadcast("CHANNEL_UPDATE", self._channel_payload(channel), channel.guild_id)

    def hide_channel(self, channel_id: int) -> None:
        """The bot loses View Channel there: sends and fetches answer 403 Missing Access."""
        channel = self.channel(channel_id)
        channel.can_view = False
        self._broadcast("CHANNEL_UPDATE", self._channel_payload(channel), channel.guild_id)

    def fail(self, target: str | int, status: int = 500, count: int | None = None) -> Failure:
        """Answer matching requests with `status` (see Failure); 429 comes as Discord's rate-limit answer.

        Mind that discord.py retries 500, 502, 504 and 524 itself, four times, sleeping 1 + 2n seconds in between.
        """
        failure = Failure(target, status, count)
        self._failures.append(failure)
        return failure

    def clear_failures(self) -> None:
        self._failures.clear()

    def start_outage(self, guild_id: int) -> None:
        """The guild is unavailable (a Discord outage): a client identifying now sees it only as unavailable in
        READY, and gets no GUILD_CREATE for it until end_outage()."""
        self._outages.add(guild_id)

    def end_outage(self, guild_id: int) -> None:
        """The guild is back: identified clients get its GUILD_CREATE, as after an outage on Discord."""
        self._outages.discard(guild_id)
        self._broadcast("GUILD_CREATE", self._guild_create_payload(self.guilds[guild_id]), guild_id)

    def drop_gateways(self, shard_id: int | None = None) -> None:
        """Cut every gateway connection (or only those of one shard), as a network failure would: clients RESUME,
        and are told to IDENTIFY."""
        for gateway in list(self._gateways):
            if shard_id is None or gateway.shard[0] == shard_id:
                gateway.abort()

    @property
    def connected(self) -> int:
        """Gateway connections open now (identified or not)."""
        return len(self._gateways)

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Return once `condition()` holds; it is checked after every gateway event and every accepted message."""
        while not condition():
            await self._change.wait()

    def _changed(self) -> None:
        self._change.set()
        self._change = asyncio.Event()

    # --- life ----------------------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(middlewares=[self._api_middleware])
        self._add_api_routes(app.router)
        self._add_control_routes(app.router)
        app.router.add_get(GATEWAY_PATH, self._gateway)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self.gateway_url = f"ws://{host}:{port}{GATEWAY_PATH}"

    async def close(self) -> None:
        self.drop_gateways()  # a closing handshake could wait on a client that is gone
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    def use_with_discord_py(self) -> contextlib.AbstractContextManager[None]:
        """This process's discord.py talks to this fake inside the block; see discord_py_pointed_at."""
        return discord_py_pointed_at(self.url)

    # --- REST ----------------------------------------------------------------------------------------------------

    def _add_api_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get(f"{API}/users/@me", self._get_me)  # before /users/{user_id}, which would match it too
        router.add_post(f"{API}/users/@me/channels", self._create_dm)
        router.add_get(f"{API}/users/{{user_id}}", self._get_user)
        router.add_get(f"{API}/oauth2/applications/@me", self._get_application)
        router.add_get(f"{API}/gateway", self._get_gateway)
        router.add_get(f"{API}/gateway/bot", self._get_gateway)
        router.add_get(f"{API}/channels/{{channel_id}}", self._get_channel)
        router.add_post(f"{API}/channels/{{channel_id}}/messages", self._create_message)
        router.add_post(f"{API}/channels/{{channel_id}}/typing", self._typing)
        for path in (f"{API}/applications/{{application_id}}/commands",
                     f"{API}/applications/{{application_id}}/guilds/{{guild_id}}/commands"):
            router.add_get(path, self._get_commands)
            router.add_put(path, self._put_commands)

    @web.middleware
    async def _api_middleware(self, request: web.Request, handler) -> web.StreamResponse:
        if not request.path.startswith(f"{API}/"):
            return await handler(request)  # the gateway and the /_fake/ control routes
        path = request.path.removeprefix(API)
        bucket = self.rate_limits.bucket(request)
        response = self._refusal(request, path, bucket) or self.rate_limits.admit(bucket)
        if response is None:
            try:
                response = await handler(request)
            except web.HTTPNotFound:
                response = error_response(NOT_FOUND)
            except web.HTTPMethodNotAllowed:
                response = error_response(METHOD_NOT_ALLOWED)
        if response.status < 300:
            response.headers.update(self.rate_limits.headers(bucket))
        self.requests.append(ApiRequest(request.method, path, response.status))
        return response

    def _refusal(self, request: web.Request, path: str, bucket: str) -> web.Response | None:
        """The answer a request gets before its handler runs: no token, or an injected failure."""
        if not request.headers.get("Authorization", "").startswith("Bot "):
            return error_response(UNAUTHORIZED)
        channel_id = request.match_info.get("channel_id")
        channel_id = int(channel_id) if channel_id and channel_id.isdigit() else None
        for failure in self._failures:
            if failure.matches(request.method, path, channel_id):
                if failure.count is not None:
                    failure.count -= 1
                    if failure.count <= 0:
                        self._failures.remove(failure)
                if failure.status == 429:
                    return self.rate_limits.too_many_requests(bucket, INJECTED_RETRY_AFTER)
                return server_error_response(failure.status)
        return None

    async def _get_me(self, request: web.Request) -> web.Response:
        return json_response(self._me_payload())

    async def _get_application(self, request: web.Request) -> web.Response:
        return json_response({
            "id": str(self.application_id),
            "name": self.bot.name,
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": hashlib.sha256(str(self.application_id).encode()).hexdigest(),
            "owner": self._user_payload(self.owner),
            "flags": GATEWAY_MESSAGE_CONTENT_LIMITED,
        })

    async def _get_gateway(self, request: web.Request) -> web.Response:
        body = {"url": self.gateway_url}
        if request.path.endswith("/bot"):
            body.update(shards=self.recommended_shards, session_start_limit={"total": 1000, "remaining": 1000 - len(self.identifies),
                                                       "reset_after": 86_400_000, "max_concurrency": 1})
        return json_response(body)

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(_snowflake(request.match_info["user_id"]))
        return json_response(self._user_payload(user)) if user else error_response(UNKNOWN_USER)

    async def _create_dm(self, request: web.Request) -> web.Response:
        user = self.users.get(_snowflake((await request.json()).get("recipient_id")))
        if user is None or user.bot:
            return error_response(INVALID_RECIPIENT)
        if user.id not in self._dm_channels:
            self._dm_channels[user.id] = channel_id = self._snowflakes.next()
            self._dm_recipients[channel_id] = user.id
        return json_response(self._dm_payload(user.id))

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel_id = _snowflake(request.match_info["channel_id"])
        if channel_id in self._dm_recipients:
            return json_response(self._dm_payload(self._dm_recipients[channel_id]))
        found = self._reachable_channel(channel_id)
        return error_response(found) if isinstance(found, ApiError) else json_response(self._channel_payload(found))

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = _snowflake(request.match_info["channel_id"])
        payload, files = await _message_body(request)
        guild_id = recipient_id = None
        if channel_id in self._dm_recipients:
            recipient_id = self._dm_recipients[channel_id]
            if not self.users[recipient_id].dms_open:
                return error_response(CANNOT_DM)
        else:
            found = self._reachable_channel(channel_id)
            if isinstance(found, ApiError):
                return error_response(found)
            if not found.can_send:
                return error_response(MISSING_PERMISSIONS)
            guild_id = found.guild_id
        if not (payload.get("content") or payload.get("embeds") or files or payload.get("sticker_ids")
                or payload.get("poll")):
            return error_response(EMPTY_MESSAGE)
        message = SentMessage(self._snowflakes.next(), channel_id, guild_id, recipient_id, payload.get("content") or "",
                              payload.get("allowed_mentions"), payload.get("embeds", []), [name for name, _ in files])
        self.messages.append(message)
        self._changed()
        return json_response(self._message_payload(message, payload, files))

    async def _typing(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _get_commands(self, request: web.Request) -> web.Response:
        return json_response(self.commands.get(_snowflake(request.match_info.get("guild_id")), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        """Bulk overwrite (tree.sync): the commands as Discord stores them, with ids."""
        guild_id = _snowflake(request.match_info.get("guild_id"))
        scope = {"guild_id": str(guild_id)} if guild_id else {}
        stored = [{**command, "id": str(self._snowflakes.next()), "application_id": str(self.application_id),
                   "version": str(self._snowflakes.next()), **scope} for command in await request.json()]
        self.commands[guild_id] = stored
        return json_response(stored)

    def _reachable_channel(self, channel_id: int) -> FakeChannel | ApiError:
        channel = self.channel(channel_id)
        if channel is None or channel.deleted:
            return UNKNOWN_CHANNEL
        if not channel.can_view:
            return MISSING_ACCESS
        return channel

    # --- the gateway ---------------------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        gateway = GatewayConnection(ws, request)
        self._gateways.add(gateway)
        self._changed()
        try:
            await gateway.send(HELLO, {"heartbeat_interval": self.heartbeat_interval_ms})
            async for frame in ws:
                if frame.type is WSMsgType.TEXT:
                    await self._on_gateway_payload(gateway, json.loads(frame.data))
        except ConnectionError:
            pass  # the client vanished while we wrote to it (killed): forget it like any other drop
        finally:
            self._gateways.discard(gateway)
            self._changed()
        return ws

    async def _on_gateway_payload(self, gateway: GatewayConnection, payload: dict) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            await gateway.send(HEARTBEAT_ACK, None)
        elif op == IDENTIFY:
            await self._identify(gateway, d)
        elif op == RESUME:
            # Sessions do not outlive their socket here: the client is told to start a new one.
            self.resumes.append(d)
            self._changed()
            await gateway.send(INVALID_SESSION, False)
        # Presence updates (3) and the rest are accepted and ignored.

    async def _identify(self, gateway: GatewayConnection, d: dict) -> None:
        """Any token and any intents are welcome: READY, then each of the shard's guilds in full, as Discord streams
        them; unless the shard would hold too many guilds, which Discord refuses with close code 4011."""
        self.identifies.append(d)
        if "shard" in d:
            gateway.shard = (int(d["shard"][0]), int(d["shard"][1]))
        guilds = [guild for guild in self.guilds.values() if gateway.holds(guild.id)]
        if len(guilds) > self.max_guilds_per_shard:
            self.closed_sharding_required.append(gateway.shard)
            self._changed()
            await gateway.ws.close(code=SHARDING_REQUIRED, message=b"Sharding required.")
            return
        gateway.session_id = uuid.uuid4().hex
        self._changed()
        ready = {
            "v": 10,
            "user": self._me_payload(),
            "guilds": [{"id": str(guild.id), "unavailable": True} for guild in guilds],
            "session_id": gateway.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": GATEWAY_MESSAGE_CONTENT_LIMITED},
        }
        if "shard" in d:
            ready["shard"] = d["shard"]
        await gateway.dispatch("READY", ready)
        for guild in guilds:
            if guild.id not in self._outages:
                await gateway.dispatch("GUILD_CREATE", self._guild_create_payload(guild))

    def _broadcast(self, event: str, d: dict, guild_id: int) -> None:
        """Dispatch to every identified client whose shard holds the guild, from a method that is not a coroutine."""
        for gateway in self._gateways:
            if gateway.session_id is not None and gateway.holds(guild_id):
                task = asyncio.get_running_loop().create_task(_quietly(gateway.dispatch(event, d)))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    # --- payloads ------------------------------------------------------------------------------------------------

    def _user_payload(self, user: FakeUser) -> dict:
        payload = {"id": str(user.id), "username": user.name, "discriminator": "0", "global_name": None,
                   "avatar": None, "public_flags": 0}
        if user.bot:
            payload["bot"] = True
        return payload

    def _me_payload(self) -> dict:
        return {**self._user_payload(self.bot), "flags": 0, "mfa_enabled": False, "verified": True}

    def _channel_payload(self, channel: FakeChannel) -> dict:
        denied = (0 if channel.can_send else SEND_MESSAGES) | (0 if channel.can_view else VIEW_CHANNEL)
        # As Discord would have it: an overwrite on the bot's member (type 1) denying what it may not do.
        overwrites = [{"id": str(self.bot.id), "type": 1, "allow": "0", "deny": str(denied)}] if denied else []
        return {"id": str(channel.id), "type": 0, "guild_id": str(channel.guild_id), "name": channel.name,
                "position": channel.position, "permission_overwrites": overwrites, "parent_id": None, "topic": None,
                "nsfw": False, "last_message_id": None, "rate_limit_per_user": 0}

    def _dm_payload(self, user_id: int) -> dict:
        return {"id": str(self._dm_channels[user_id]), "type": 1, "last_message_id": None, "flags": 0,
                "recipients": [self._user_payload(self.users[user_id])]}

    def _guild_create_payload(self, guild: FakeGuild) -> dict:
        # Only the bot's own member, which is all Discord sends without the (privileged) members intent.
        me = {"user": self._user_payload(self.bot), "nick": None, "roles": [], "joined_at": guild.joined_at,
              "deaf": False, "mute": False, "flags": 0}
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "owner_id": str(guild.owner_id),
            "joined_at": guild.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": 1,
            "roles": [{"id": str(r.id), "name": r.name, "color": 0, "hoist": False, "position": position,
                       "permissions": str(r.permissions), "managed": False, "mentionable": False, "flags": 0}
                      for position, r in enumerate(guild.roles)],
            "channels": [self._channel_payload(c) for c in guild.channels.values() if not c.deleted],
            "members": [me],
            "emojis": [],
            "stickers": [],
            "features": [],
            "threads": [],
            "voice_states": [],
            "presences": [],
        }

    def _message_payload(self, message: SentMessage, payload: dict, files: list[tuple[str, int]]) -> dict:
        attachments = []
        for name, size in files:
            attachment_id = self._snowflakes.next()
            url = f"{self.url}/attachments/{message.channel_id}/{attachment_id}/{name}"
            attachments.append({"id": str(attachment_id), "filename": name, "size": size, "url": url,
                                "proxy_url": url})
        body = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "author": self._user_payload(self.bot),
            "content": message.content,
            "timestamp": utc_timestamp(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": message.embeds,
            "pinned": False,
            "type": 0,
            "flags": payload.get("flags", 0),
        }
        if "nonce" in payload:
            body["nonce"] = payload["nonce"]
        return body

    # --- control routes, for a bot in another process ------------------------------------------------------------

    def _add_control_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/_fake/messages", self._control_messages)
        router.add_get("/_fake/requests", self._control_requests)
        router.add_get("/_fake/gateway", self._control_gateway)
        router.add_get("/_fake/limits", self._control_limits)
        router.add_post("/_fake/gateway/drop", self._control_drop)
        router.add_post("/_fake/channels/{channel_id}/{switch:delete|deny|hide}", self._control_channel)
        router.add_post("/_fake/fail", self._control_fail)
        router.add_delete("/_fake/fail", self._control_clear_failures)

    async def _control_messages(self, request: web.Request) -> web.Response:
        return json_response([asdict(m) for m in self.messages])

    async def _control_requests(self, request: web.Request) -> web.Response:
        return json_response([asdict(r) for r in self.requests])

    async def _control_gateway(self, request: web.Request) -> web.Response:
        return json_response({"connected": self.connected, "identifies": len(self.identifies),
                              "resumes": len(self.resumes)})

    async def _control_limits(self, request: web.Request) -> web.Response:
        return json_response(self.rate_limits.stats())

    async def _control_drop(self, request: web.Request) -> web.Response:
        self.drop_gateways()
        return json_response({})

    async def _control_channel(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        if self.channel(channel_id) is None:
            return error_response(UNKNOWN_CHANNEL)
        switch = {"delete": self.delete_channel, "deny": self.deny_channel, "hide": self.hide_channel}
        switch[request.match_info["switch"]](channel_id)
        return json_response({})

    async def _control_fail(self, request: web.Request) -> web.Response:
        """Body: {"target": "POST /channels/*/messages" or a channel id, "status": 500, "count": null}."""
        body = await request.json()
        self.fail(body["target"], body.get("status", 500), body.get("count"))
        return json_response({})

    async def _control_clear_failures(self, request: web.Request) -> web.Response:
        self.clear_failures()
        return json_response({})


def _snowflake(value) -> int | None:
    """An id from a path or a body (Discord sends them as strings); None for anything else."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


async def _message_body(request: web.Request) -> tuple[dict, list[tuple[str, int]]]:
    """The message JSON and the (file name, size) of each upload: with files, discord.py sends multipart/form-data
    whose payload_json field carries the JSON."""
    if not request.content_type.startswith("multipart/"):
        return await request.json(), []
    payload, files = {}, []
    reader = await request.multipart()
    async for part in reader:
        data = await part.read()
        if part.name == "payload_json":
            payload = json.loads(data)
        elif part.filename:
            files.append((part.filename, len(data)))
    return payload, files


async def _quietly(sending) -> None:
    with contextlib.suppress(ConnectionError):  # a client that died meanwhile just misses the event
        await sending
