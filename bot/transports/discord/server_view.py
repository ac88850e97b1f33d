"""A server as an admin's `!set` sees it: is this channel, this role, one of the server's own, and may the bot post?

The router's commands know no Discord; this answers their questions (bot.commands.router.ServerView) from the
bot's cache of the server the command was typed in, in words an admin can act on.
"""

from __future__ import annotations

import discord

# What the bot needs in an alert channel, in the words Discord's settings use.
_NEEDED = (("view_channel", "View Channel"), ("send_messages", "Send Messages"))


class DiscordServerView:
    def __init__(self, guild: discord.Guild) -> None:
        self._guild = guild

    def channel_problem(self, channel_id: int) -> str | None:
        guild = self._guild
        channel = guild.get_channel_or_thread(channel_id)
        if channel is None:
            return (f"<#{channel_id}> is not a channel of this server: mention one of its channels, like #alerts, "
                    "or say here")
        if not isinstance(channel, (discord.TextChannel, discord.Thread)):
            return f"<#{channel_id}> is not a text channel: choose one where messages can be posted"
        me = guild.me
        if me is None:
            return "rotobot cannot see its own permissions in this server yet; try again in a minute"
        granted = channel.permissions_for(me)
        needed = _NEEDED + ((("send_messages_in_threads", "Send Messages in Threads"),)
                            if isinstance(channel, discord.Thread) else ())
        missing = [label for flag, label in needed if not getattr(granted, flag)]
        if missing:
            return (f"rotobot cannot post in <#{channel_id}>: it lacks the {' and '.join(missing)} permission "
                    f"there. Grant {'them' if len(missing) > 1 else 'it'} to rotobot's role, or choose another channel")
        return None

    def role_problem(self, role_id: int) -> str | None:
        role = self._guild.get_role(role_id)
        if role is None:
            return f"<@&{role_id}> is not a role of this server: mention one of its roles, like @traders"
        if role.is_default():
            return "@everyone cannot be the alert role: choose a role the people who want alerts take"
        return None

    def role_note(self, role_id: int) -> str | None:
        role = self._guild.get_role(role_id)
        me = self._guild.me
        if role is None or role.mentionable or (me is not None and me.guild_permissions.mention_everyone):
            return None
        return (f"Note: {role.name} is not mentionable and rotobot lacks Mention @everyone, so alerts will name the "
                "role without pinging it. Make the role mentionable to have it pinged.")
