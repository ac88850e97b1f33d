"""The Discord transport: logs in with the bot token (connection.py), answers commands (client.py), delivers
alerts where each belongs (here), with what each Discord error means (refusal.py).

Where an alert goes (`targets`, asked once per alert; the dispatcher logs each target on its own):
- a server-wide alert goes to every server the bot is in, to the channel the server's admins set (`!set
  channel`), else to `discord.alert_channel_id` when that channel is in this server, mentioning the server's alert
  role if one is set; a muted server (`!mute`), a server with no alert channel and a server with a rule of its own
  for it are left out; a server's own alert (its wrap, its spread lines) goes to that server alone;
- a subscription alert goes to the subscriber by DM, or to the channel they subscribed in, mentioning only them
  (muted with the server's channel alerts);
- a notice for the operator goes to `discord.alert_channel_id`, or to the alert channel of the server it concerns.
A server's channel is looked up again at every send, and must belong to that server: a setting that names
another server's channel (stored before !set checked it) is refused there, never posted to. Server settings are
read from memory (storage/guild_settings_cache.py), never from the disk per server per alert. Alerts that go to
one channel at the same moment are grouped into one message (see grouping.py). Every request to Discord waits for
its slot under the global rate limit, urgent alerts first (pacing.py).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime, timezone

import discord

from alerts.delivery import NotReady, NotWanted, Target, subscriber_target
from alerts.payloads import Alert, Everyone, Operator, Server, Subscriber
from bot.commands.context import CommandContext
from bot.commands.router import Router
from bot.secret import Secret
from bot.server_settings import muted
from bot.transports.base import Notification
from bot.transports.discord.client import RotoBot
from bot.transports.discord.command_sync import PublishedCommands, beside
from bot.transports.discord.connection import log_in_and_stay_connected
from bot.transports.discord.dm_channels import DmChannels
from bot.transports.discord.grouping import GROUP_WINDOW, Grouper, Item
from bot.transports.discord.http_buckets import sweep_buckets_sparingly
from bot.transports.discord.pacing import PRIORITY_URGENT, GlobalPacer, sending
from bot.transports.discord.refusal import DeliveryError, refusal
from bot.transports.discord.render import CONTENT_MAX, alert_text, group_text, mentions, pack
from bot.transports.discord.server_routes import ServerRoutes
from storage.database import Database
from storage.guild_settings_cache import GuildSettingsCache

log = logging.getLogger(__name__)



def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class DiscordTransport:
    name = "discord"

    def __init__(
        self,
        token: Secret,
        *,
        router: Router,
        context: CommandContext,
        database: Database,
        on_fatal: Callable[[str], None],
        alert_channel_id: int = 0,
        clock: Callable[[], datetime] = utc_now,
        group_window: float = GROUP_WINDOW,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        sync_commands: bool = True,
        message_content: bool = True,
        pacer: GlobalPacer | None = None,
    ) -> None:
        self._token = token  # revealed only in the login call
        self._database = database
        self._on_fatal = on_fatal
        self._clock = clock
        self._sleep = sleep
        self.bot = RotoBot(router, context, sync_commands=sync_commands, message_content=message_content,
                           published=PublishedCommands(beside(database.path)))
        self.pacer = pacer or GlobalPacer()
        # discord.py builds its HTTP session at login, with this trace: every request, retries too, is paced.
        self.bot.http.http_trace = self.pacer.trace()
        sweep_buckets_sparingly(self.bot.http)
        self._servers = ServerRoutes(self.bot, GuildSettingsCache(database), alert_channel_id, clock)
        self._grouper = Grouper(self._deliver, group_window)
        self._dms = DmChannels(self.bot)
        self._down: set[int] = set()  # shards disconnected and not back with their servers yet
        self.bot.add_listener(self._on_shard_down, "on_shard_disconnect")
        self.bot.add_listener(self._on_shard_up, "on_shard_ready")
        self.bot.add_listener(self._on_shard_up, "on_shard_resumed")
        self.bot.add_listener(self._freeze_the_servers, "on_shard_ready")
        self.bot.add_listener(self._on_guild_changed, "on_guild_join")
        self.bot.add_listener(self._on_guild_changed, "on_guild_remove")
        self._task: asyncio.Task | None = None

    @property
    def _alert_channel_id(self) -> int:
        """discord.alert_channel_id: the server routes hold it, the operator's notices use it too."""
        return self._servers.alert_channel_id

    @_alert_channel_id.setter
    def _alert_channel_id(self, channel_id: int) -> None:
        self._servers.alert_channel_id = channel_id

    # --- life ---------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(log_in_and_stay_connected(self.bot, self._token, self._on_fatal, self._sleep),
                                         name="discord")

    async def close(self) -> None:
        try:
            await self._grouper.flush_all()
        except Exception:  # noqa: BLE001 - closing must go on
            log.warning("could not flush the last alerts to Discord", exc_info=True)
        await self.bot.close()
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    # --- alerts -------------------------------------------------------------------------------------------------

    def ready(self) -> bool:
        """Every shard connected, with its servers known. discord.py's is_ready() stays true across a shard's
        reconnect whose READY forgets its servers until they stream in again (shard_ready, after which no
        whole-bot ready follows when there are several shards): resolving then would leave servers out."""
        return self.bot.is_ready() and not self._down

    async def _on_shard_down(self, shard_id: int) -> None:
        self._down.add(shard_id)

    async def _on_shard_up(self, shard_id: int) -> None:
        self._down.discard(shard_id)

    async def _freeze_the_servers(self, shard_id: int) -> None:
        """A shard's servers, channels and roles, just streamed in, live as long as its session. Frozen (as bot/app.py
        freezes the start-up objects) they are left out of the garbage collector's full passes, which otherwise walk
        them all: 0.2-0.3 s each at 4,000 servers, 25 of them in a 90 s fan-out (bench/fanout.py). What an earlier
        session left (its cache, dropped at a new READY) is collected first, in one pass now."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    async def _on_guild_changed(self, guild: discord.Guild) -> None:
        self._servers.settings.forget(guild.id)

    async def targets(self, alert: Alert) -> list[Target]:
        route = alert.route
        if isinstance(route, Subscriber):
            target = subscriber_target(route)
            if target.place == "channel" and muted(await self._servers.settings_of(route.guild_id), self._clock()):
                return []
            return [target]
        if isinstance(route, Operator):
            if route.guild_id is not None:
                # A notice about one server goes to its admins in its alert channel, never pinging its alert role.
                found = [Target(f"notice:{t.guild_id}", "server", t.label, t.guild_id)
                         for t in await self._servers.targets(only=route.guild_id)]
                if found:
                    return found
            if self._alert_channel_id and (self.bot.get_channel(self._alert_channel_id) is not None
                                           or any(g.unavailable for g in self.bot.guilds)):
                # (A channel not in sight may be in a server Discord cannot serve right now: the send waits.)
                return [Target("operator", "operator", f"the operator's channel <#{self._alert_channel_id}>")]
            return []
        if isinstance(route, Server):
            return await self._servers.targets(only=route.guild_id)
        return await self._servers.targets(skip=route.exclude_guilds if isinstance(route, Everyone) else ())

    async def send(self, target: Target, notification: Notification) -> None:
        """Deliver to one target, or raise DeliveryError (permanent when a person must change something)."""
        if not self.ready():
            raise NotReady("not connected to Discord (the gateway reconnects by itself)")
        kind, _, ident = target.key.partition(":")
        roles: frozenset[int] = frozenset()
        users: frozenset[int] = frozenset()
        if kind in ("server", "notice"):
            channel_id, role = await self._servers.alert_channel(int(ident))
            roles = frozenset({role}) if role and kind == "server" else frozenset()
            destination = ("channel", channel_id, int(ident), kind)
        elif kind == "channel":
            if target.guild_id and self.bot.get_guild(target.guild_id) is None:
                raise NotWanted("the bot is no longer in that server")
            if target.guild_id and muted(await self._servers.settings_of(target.guild_id), self._clock()):
                raise NotWanted("the server muted its channel alerts since")
            route = notification.route
            users = frozenset({route.user_id}) if isinstance(route, Subscriber) else frozenset()
            destination = ("channel", int(ident), target.guild_id, kind)
        elif kind == "dm":
            destination = ("dm", int(ident), None, kind)
        elif kind == "operator":
            if not self._alert_channel_id:
                raise NotWanted("discord.alert_channel_id is no longer set")
            if self.bot.get_channel(self._alert_channel_id) is None and any(g.unavailable for g in self.bot.guilds):
                raise NotReady("the operator's channel may be in a server that is unavailable right now")
            destination = ("channel", int(self._alert_channel_id), None, kind)
        else:
            raise DeliveryError(f"{target.key} is not a Discord target", permanent=True)
        # Grouped per channel and per kind of target: a server's alerts (its role mentioned), a subscriber's (only
        # they are), a notice (nobody is) never share one message's mentions.
        text = alert_text(notification, limit=CONTENT_MAX - len(mentions(roles, users)) - 1)
        await self._grouper.add(destination, text, roles, users, priority=PRIORITY_URGENT + notification.urgency)

    async def _deliver(self, key: Hashable, items: list[Item]) -> list[BaseException | None]:
        """One message (more only past 2,000 characters) with every item for this destination; each message
        mentions, and may ping, only the roles and users of its own alerts."""
        with sending(min(item.priority for item in items)):
            return await self._deliver_paced(key, items)

    async def _deliver_paced(self, key: Hashable, items: list[Item]) -> list[BaseException | None]:
        destination = await self._destination(key)
        outcomes: list[BaseException | None] = [None] * len(items)
        for group in pack([(item.text, item.roles, item.users) for item in items]):
            roles = frozenset().union(*(items[i].roles for i in group))
            users = frozenset().union(*(items[i].users for i in group))
            allowed = discord.AllowedMentions(
                everyone=False,
                roles=[discord.Object(r) for r in sorted(roles)] if roles else False,
                users=[discord.Object(u) for u in sorted(users)] if users else False,
                replied_user=False,
            )
            content = group_text([items[i].text for i in group], mentions(roles, users))
            try:
                await destination.send(content=content, allowed_mentions=allowed)
            except Exception as exc:  # noqa: BLE001 - this part failed; the others may still go
                failure = refusal(exc, key)
                for index in group:
                    outcomes[index] = failure
        return outcomes

    async def _destination(self, key: Hashable) -> discord.abc.Messageable:
        kind, ident, guild_id, _ = key
        try:
            if kind == "dm":
                return await self._dms.channel_of(ident)
            # The server's own cache first: discord.py's get_channel asks every server in turn, 10,000 lookups a
            # send at 10,000 servers. It stays the fallback (a channel named in another server is refused below).
            guild = self.bot.get_guild(guild_id) if guild_id is not None else None
            channel = ((guild.get_channel_or_thread(ident) if guild is not None else None)
                       or self.bot.get_channel(ident) or await self.bot.fetch_channel(ident))
        except Exception as exc:  # noqa: BLE001 - classified: a missing channel is permanent, a 5xx is not
            raise refusal(exc, key) from None
        if not isinstance(channel, discord.abc.Messageable):
            raise DeliveryError(f"channel {ident} is not a text channel", permanent=True)
        found = getattr(getattr(channel, "guild", None), "id", None)
        if guild_id is not None and found != guild_id:
            # Never post one server's alert (and its role mention) in another server's channel.
            raise DeliveryError(f"channel {ident} is not in server {guild_id}; set a channel of that server with "
                                "!set channel", permanent=True)
        return channel
