"""The Discord transport: logs in with the bot token, answers commands, delivers alerts where each belongs.

Login is retried with backoff while Discord cannot be reached (no network must not crash the bot), but a token
Discord rejects stops the application: retrying a bad token only gets the bot rate-limited.

Where an alert goes:
- a server-wide alert (empty route) goes to every server the bot is in: to the channel the server's admins set
  (`!set channel`), else to `discord.alert_channel_id` when that channel is in this server, mentioning the server's
  alert role if one is set; a muted server (`!mute`) and a server with no alert channel are skipped;
- a subscription alert goes to the subscriber by DM, or to the channel they subscribed in, mentioning only them
  (muted with the server's channel alerts).
Simultaneous alerts to one destination are grouped into one message (see grouping.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timezone

import aiohttp
import discord

from bot.commands.context import CommandContext
from bot.commands.router import Router
from bot.secret import Secret
from bot.transports.base import Notification
from bot.transports.discord.client import RotoBot
from bot.transports.discord.grouping import GROUP_WINDOW, Grouper, Item
from bot.transports.discord.render import alert_text, chunks, group_text, role_mention, user_mention
from storage import guild_settings
from storage.database import Database

log = logging.getLogger(__name__)

_RETRY_FIRST, _RETRY_MAX = 5.0, 300.0
# Seconds a send waits for the gateway before handing the alert back to the dispatcher (which retries in 5 s).
# 0 by default: while Discord is down every queued alert would wait this long, holding up the dispatcher.
READY_TIMEOUT = 0.0
CANNOT_DM = 50007  # Discord's code for "Cannot send messages to this user" (DMs closed, or the bot is blocked)


class DeliveryError(RuntimeError):
    """An alert reached none of its destinations; the dispatcher retries it."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Target:
    key: tuple[str, int]  # ("channel", channel id) or ("dm", user id)
    roles: frozenset[int] = frozenset()
    users: frozenset[int] = frozenset()


def muted(settings: dict, now: datetime) -> bool:
    until = settings.get("muted_until")
    if not until:
        return False
    try:
        when = datetime.fromisoformat(until)
    except (TypeError, ValueError):
        log.warning("ignoring an unreadable muted_until %r", until)
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when > now


def _settings_of(db, guild_ids: list[int]) -> dict[int, dict]:
    return {guild_id: guild_settings.all_for(db, guild_id) for guild_id in guild_ids}


class DiscordTransport:
    name = "discord"

    def __init__(
        self,
        token: Secret,
        *,
        router: Router,
        context: CommandContext | Callable[[], CommandContext],
        database: Database,
        on_fatal: Callable[[str], None],
        alert_channel_id: int = 0,
        clock: Callable[[], datetime] = utc_now,
        group_window: float = GROUP_WINDOW,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        ready_timeout: float = READY_TIMEOUT,
        sync_commands: bool = True,
    ) -> None:
        self._token = token  # revealed only in the login call
        self._database = database
        self._on_fatal = on_fatal
        self._alert_channel_id = alert_channel_id
        self._clock = clock
        self._sleep = sleep
        self._ready_timeout = ready_timeout
        self.bot = RotoBot(router, context, sync_commands=sync_commands)
        self._grouper = Grouper(self._deliver, group_window)
        self._task: asyncio.Task | None = None
        self._warned_channel = False

    # --- life ---------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="discord")

    async def close(self) -> None:
        try:
            await self._grouper.flush_all()
        except Exception:  # noqa: BLE001 - closing must go on
            log.warning("could not flush the last alerts to Discord", exc_info=True)
        await self.bot.close()
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        delay = _RETRY_FIRST
        while True:
            try:
                await self.bot.login(self._token.reveal())
                break
            except discord.LoginFailure:
                self._on_fatal(
                    "Discord rejected the bot token. Check DISCORD_TOKEN (or the file DISCORD_TOKEN_FILE names): "
                    "copy it again from the Bot page of the Discord developer portal."
                )
                return
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError, discord.HTTPException) as exc:
                log.warning(
                    "Cannot reach Discord (%s); trying again in %.0f s. rotobot keeps running on stored data.",
                    type(exc).__name__,
                    delay,
                )
                await self.bot.http.close()  # the failed attempt's HTTP session; the next login opens a new one
                await self._sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)
        log.info("Logged in to Discord as %s", self.bot.user)
        try:
            await self.bot.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            self._on_fatal(
                "Discord refused the Message Content intent: enable it on the Bot page of the developer portal "
                "(Privileged Gateway Intents, Message Content Intent) so that prefix commands such as !rotation "
                "can be read."
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a gateway that ended for good: say so rather than go quiet
            log.error("The Discord connection ended", exc_info=True)
            self._on_fatal(f"The Discord connection ended ({type(exc).__name__}); see the log above.")

    # --- alerts -------------------------------------------------------------------------------------------------

    async def send(self, notification: Notification) -> None:
        """Deliver to every destination of the alert; raises only when none could be reached."""
        await self._wait_ready()
        route = notification.route or {}
        if route.get("operator"):
            # About the bot itself (a source down, a page changed): for its operator's channel, not every server.
            channel = self._alert_channel_id and self.bot.get_channel(self._alert_channel_id)
            targets = [Target(("channel", int(self._alert_channel_id)))] if channel else []
        elif route.get("user_id"):
            targets = await self._subscription_targets(route)
        else:  # a server-wide alert, or one for a single server (its daily wrap)
            targets = await self._server_targets(only=route.get("guild_id"), skip=route.get("exclude_guilds", ()))
        if not targets:
            log.info("Alert %s has no Discord destination (no alert channel, or muted)", notification.key)
            return
        text = alert_text(notification)
        outcomes = await asyncio.gather(
            *(self._grouper.add(t.key, text, t.roles, t.users) for t in targets), return_exceptions=True
        )
        failed = [(t, o) for t, o in zip(targets, outcomes) if isinstance(o, BaseException)]
        for target, error in failed:
            log.warning("Alert %s did not reach Discord %s %s: %s", notification.key, *target.key, error)
        if failed and len(failed) == len(targets):
            first = failed[0][1]
            raise DeliveryError(f"no Discord destination took the alert ({type(first).__name__}: {first})")

    async def _wait_ready(self) -> None:
        if self.bot.is_ready():
            return
        if self._ready_timeout <= 0:
            raise DeliveryError("not connected to Discord yet")
        try:
            await asyncio.wait_for(self.bot.wait_until_ready(), self._ready_timeout)
        except (RuntimeError, asyncio.TimeoutError):  # RuntimeError: login has not even begun
            raise DeliveryError("not connected to Discord yet") from None

    async def _server_targets(self, only: int | None = None, skip=()) -> list[Target]:
        guilds = [g for g in self.bot.guilds if (only is None or g.id == only) and g.id not in skip]
        settings = await self._database.run(_settings_of, [g.id for g in guilds])
        now = self._clock()
        targets = []
        configured_found = False
        for guild in guilds:
            chosen = settings.get(guild.id, {})
            configured = bool(self._alert_channel_id) and guild.get_channel_or_thread(self._alert_channel_id) is not None
            configured_found = configured_found or configured
            if muted(chosen, now):
                continue
            channel_id = chosen.get("alert_channel") or (self._alert_channel_id if configured else None)
            if not channel_id:
                continue  # this server chose no alert channel: nothing to do, not an error
            role = chosen.get("alert_role")
            targets.append(Target(("channel", int(channel_id)), roles=frozenset({int(role)}) if role else frozenset()))
        if self._alert_channel_id and not configured_found and not self._warned_channel:
            self._warned_channel = True
            log.warning("discord.alert_channel_id %s is not a channel the bot can see in any of its servers",
                        self._alert_channel_id)
        return targets

    async def _subscription_targets(self, route: dict) -> list[Target]:
        user_id = int(route["user_id"])
        channel_id = route.get("channel_id")
        if channel_id is None:
            return [Target(("dm", user_id))]
        guild_id = route.get("guild_id") or 0
        if guild_id and muted(await self._database.run(guild_settings.all_for, guild_id), self._clock()):
            return []
        return [Target(("channel", int(channel_id)), users=frozenset({user_id}))]

    async def _deliver(self, key: Hashable, items: list[Item]) -> list[BaseException | None]:
        """One message (more only past 2,000 characters) with every item for this destination."""
        destination = await self._destination(key)
        roles = sorted(frozenset().union(*(i.roles for i in items)))
        users = sorted(frozenset().union(*(i.users for i in items)))
        head = " ".join([role_mention(r) for r in roles] + [user_mention(u) for u in users])
        allowed = discord.AllowedMentions(
            everyone=False,
            roles=[discord.Object(r) for r in roles] if roles else False,
            users=[discord.Object(u) for u in users] if users else False,
            replied_user=False,
        )
        texts = [item.text for item in items]
        outcomes: list[BaseException | None] = [None] * len(items)
        for group in chunks(texts, head):
            try:
                await destination.send(content=group_text([texts[i] for i in group], head), allowed_mentions=allowed)
            except discord.Forbidden as exc:
                if key[0] == "dm" and exc.code == CANNOT_DM:
                    # The user closed their DMs or blocked the bot: retrying can never succeed, so it is not retried.
                    log.warning("User %s does not accept direct messages from the bot; %d alert(s) not delivered",
                                key[1], len(group))
                    continue
                for index in group:
                    outcomes[index] = exc
            except Exception as exc:  # noqa: BLE001 - this part failed; the others may still go
                for index in group:
                    outcomes[index] = exc
        return outcomes

    async def _destination(self, key: Hashable) -> discord.abc.Messageable:
        kind, ident = key
        try:
            if kind == "dm":
                user = self.bot.get_user(ident) or await self.bot.fetch_user(ident)
                return user.dm_channel or await user.create_dm()
            channel = self.bot.get_channel(ident) or await self.bot.fetch_channel(ident)
        except discord.NotFound:
            raise DeliveryError(f"{'user' if kind == 'dm' else 'channel'} {ident} does not exist") from None
        except discord.Forbidden:
            raise DeliveryError(f"the bot may not see {'user' if kind == 'dm' else 'channel'} {ident}") from None
        if not isinstance(channel, discord.abc.Messageable):
            raise DeliveryError(f"channel {ident} is not a text channel")
        return channel
