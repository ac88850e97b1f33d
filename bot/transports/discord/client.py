"""The discord.py bot: every router command as a hybrid command (prefix and slash), answered through the router.

The router stays the one place that knows the commands, so the console and Discord never disagree: this module only
turns a Discord context into a Caller, a Reply into an embed, and keeps any failure from reaching the user as
silence or the bot as a crash.

The bot is an AutoShardedBot: Discord refuses an unsharded connection past 2,500 servers (close code 4011), so when
it connects it asks Discord how many shards it recommends (GET /gateway/bot) and runs them all in this process.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.context import CommandContext
from bot.commands.reply import Reply
from bot.commands.router import Caller, Command, Router
from bot.transports.discord.command_sync import PublishedCommands, publish_if_changed
from bot.transports.discord.render import NO_MENTIONS, clip, message_parts
from bot.transports.discord.server_view import DiscordServerView

log = logging.getLogger(__name__)

SLASH_TEXT_MAX = 100  # Discord's limit for a slash command's and an option's description
WORKING = "Working on it…"  # the first answer of a typed command slower than DEFER_AFTER
DEFER_AFTER = 2.0  # seconds; Discord wants a slash command answered within 3 s, so a slower one is deferred
# What sending the courtesy can raise: Discord refusing it, or the connection dropping under it (aiohttp's errors
# and timeouts reach us as they are, not as HTTPException). Either way the command runs on and its answer is sent.
_COURTESY_FAILED = (discord.HTTPException, aiohttp.ClientError, OSError, asyncio.TimeoutError)
_COMMAND_NAME = re.compile(r"^[a-z0-9_-]{1,32}$")
APOLOGY = Reply("Sorry, that went wrong on our side", ("The error is logged; please try again.",), error=True)


def intents(message_content: bool = True) -> discord.Intents:
    """Discord's defaults (servers, messages, no members), with or without message text. Message Content is
    privileged: past 100 servers (10,000 users since June 2026) Discord grants it only to a bot it approved.
    Prefix commands in a server need it; slash commands never do, and a DM's text arrives without it."""
    chosen = discord.Intents.default()
    chosen.message_content = message_content
    return chosen


def caller_from(ctx: commands.Context) -> Caller:
    """Who asked and where: Manage Server in that server makes an admin; nobody is an admin in a DM."""
    author = ctx.author
    interaction = ctx.interaction
    guild_id = ctx.guild.id if ctx.guild else (interaction.guild_id if interaction and interaction.guild_id else 0)
    if not guild_id:
        is_admin = False
    elif isinstance(author, discord.Member):
        is_admin = author.guild_permissions.manage_guild
    else:  # a slash command in a server the bot does not cache: Discord resolved the permissions for us
        is_admin = bool(interaction and interaction.permissions.manage_guild)
    channel = ctx.channel
    return Caller(
        user_id=author.id,
        guild_id=guild_id,
        channel_id=channel.id if channel is not None else None,
        is_admin=bool(is_admin),
        name=author.display_name,
        server=DiscordServerView(ctx.guild) if ctx.guild else None,
    )


def split_args(text: str) -> list[str] | Reply:
    """The words of a command's arguments, or the reply the router gives an unclosed quote."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        return Reply(f"Could not read that command ({exc})", ("Close any open quote and try again.",), error=True)


class RotoBot(commands.AutoShardedBot):
    def __init__(
        self,
        router: Router,
        context: CommandContext,
        *,
        sync_commands: bool = True,
        published: PublishedCommands | None = None,
        message_content: bool = True,
        defer_after: float = DEFER_AFTER,
    ) -> None:
        """`published`: where the fingerprint of the last published slash commands is kept (None: publish at every
        login). No shard_count: as many shards as Discord recommends when the bot connects."""
        super().__init__(
            command_prefix=router.prefix,
            intents=intents(message_content),
            help_command=None,  # rotobot's own !help comes from the router
            case_insensitive=True,
            strip_after_prefix=True,
            allowed_mentions=NO_MENTIONS,  # the default for every send; alerts widen it to one role or one user
        )
        self.router = router
        self.command_context = context
        self._sync_commands = sync_commands
        self._published = published
        self._defer_after = defer_after
        for command in router.commands:
            self.add_command(self._hybrid(command))

    def _hybrid(self, command: Command) -> commands.HybridCommand:
        bot = self

        async def callback(ctx: commands.Context, *, args: str = "") -> None:
            await bot.answer(ctx, ctx.command.name, args)

        app_commands.describe(args=clip(command.usage, SLASH_TEXT_MAX))(callback)
        return commands.HybridCommand(
            callback,
            name=command.name,
            description=clip(command.summary, SLASH_TEXT_MAX),
            usage=command.usage,
        )

    async def answer(self, ctx: commands.Context, name: str, args: str) -> None:
        """Run one command through the router and send its reply; the slash form lands here too."""
        caller = caller_from(ctx)
        words = split_args(args)
        if isinstance(words, Reply):
            reply = words
        else:
            reply, deferral_unknown = await self._run(ctx, name, words, caller)
            if deferral_unknown:
                await self._answer_after_unknown_deferral(ctx.interaction, reply)
                return
        await ctx.send(**message_parts(reply))

    async def _run(self, ctx: commands.Context, name: str, words: list[str], caller: Caller) -> tuple[Reply, bool]:
        """The command's reply, and whether a slash command's deferral may have reached Discord unseen (the
        connection dropped under it: Discord may hold it as acknowledged while discord.py does not)."""
        running = asyncio.ensure_future(self.router.run(name, words, self.command_context, caller))
        deferral_unknown = False
        if ctx.interaction is not None and not ctx.interaction.response.is_done():
            done, _ = await asyncio.wait({running}, timeout=self._defer_after)
            if not done:
                try:
                    await ctx.defer()  # "rotobot is thinking…"; the reply follows when it is ready
                except discord.HTTPException as error:  # Discord answered: the interaction is not acknowledged
                    log.warning("Could not defer a slash command in channel %s: %s", caller.channel_id, error)
                except _COURTESY_FAILED as error:
                    log.warning("Lost the answer to a slash command's deferral in channel %s: %s",
                                caller.channel_id, error)
                    deferral_unknown = True
        elif ctx.interaction is None:
            done, _ = await asyncio.wait({running}, timeout=self._defer_after)
            if not done:  # a typed command has no "thinking…": say so, so nobody types it again
                try:
                    await ctx.send(WORKING)
                except _COURTESY_FAILED as error:
                    log.warning("Could not say 'working on it' in channel %s: %s", caller.channel_id, error)
        return await running, deferral_unknown

    async def _answer_after_unknown_deferral(self, interaction: discord.Interaction, reply: Reply) -> None:
        """A deferral that reached Discord makes the answer a follow-up (a second first response is refused);
        one that never did leaves no follow-up to post to (Discord: 404), so the answer is the first response."""
        try:
            await interaction.followup.send(**message_parts(reply))
        except discord.NotFound:
            await interaction.response.send_message(**message_parts(reply))  # fresh parts: files were read

    async def process_commands(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        ctx = await self.get_context(message)
        if ctx.command is None:
            if ctx.invoked_with and _COMMAND_NAME.match(ctx.invoked_with.lower()):
                # "!rotatoin": the router names it and suggests the nearest command. "!!!" or "!?" is chat.
                reply = await self.router.run(ctx.invoked_with.lower(), [], self.command_context, caller_from(ctx))
                await ctx.send(**message_parts(reply))
            return
        await self.invoke(ctx)

    async def on_command_error(self, ctx: commands.Context, error: commands.CommandError, /) -> None:
        """Anything a command raised: logged with its traceback, answered with a short apology; the bot lives on."""
        if isinstance(error, commands.CommandNotFound):
            return  # answered (or deliberately ignored) in process_commands
        original = getattr(error, "original", error)
        log.error("Discord command %s failed", ctx.command.name if ctx.command else ctx.invoked_with,
                  exc_info=(type(original), original, original.__traceback__))
        try:
            await ctx.send(**message_parts(APOLOGY))
        except Exception:  # noqa: BLE001 - the apology itself failed (Discord down, no permission): logged, not raised
            log.warning("could not send the apology for a failed command", exc_info=True)

    async def close(self) -> None:
        if isinstance(self.loop, asyncio.AbstractEventLoop):
            await super().close()
        else:  # never logged in: AutoShardedClient.close would wake a shard queue that only login makes
            await discord.Client.close(self)

    async def setup_hook(self) -> None:
        """Runs at login: publish the slash commands (a bulk overwrite, so a removed command disappears), unless
        these very commands were published before (command_sync.py)."""
        if not self._sync_commands:
            return
        try:
            synced = await publish_if_changed(self.tree, self.application_id, self._published)
        except (discord.HTTPException, aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            log.warning("Could not publish the slash commands (%s); prefix commands work regardless, and the next "
                        "login tries again", type(exc).__name__)
            return
        if synced is not None:
            log.info("Published %d slash commands", synced)
