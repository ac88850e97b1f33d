"""Which rotation_spread rule `!rotation` shows: the one [rotation] settings make, or a server's own lines over it.

A server that set its own lines (!set upper/lower/hysteresis) is judged by its own rule (bot/jobs/engine.py), so
its `!rotation` must show that rule's lines and armed side, stored under that rule's id.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from alerts.rules.model import RotationSpread, own_spread_rule
from storage import guild_settings

if TYPE_CHECKING:
    from bot.commands.context import CommandContext


async def rule_for_server(ctx: CommandContext, guild_id: int) -> RotationSpread:
    """The rule as `guild_id` sees it; 0 (the console, a direct message, the daily wrap) sees the configured one."""
    rule = spread_rule(ctx.settings.rotation)
    if guild_id:
        own = await ctx.database.run(_own_lines, guild_id)
        if own:
            rule = own_spread_rule(rule, guild_id, own) or rule
    return rule


def _own_lines(db, guild_id: int) -> dict[str, float]:
    chosen = guild_settings.all_for(db, guild_id)
    return {key: float(chosen[key]) for key in ("upper", "lower", "hysteresis") if key in chosen}


def spread_rule(rotation) -> RotationSpread:
    """The built-in rotation_spread rule from [rotation] settings, with the id its state is stored under."""
    rule = RotationSpread("-", rotation.small, rotation.large, rotation.window, rotation.upper, rotation.lower,
                          rotation.hysteresis)
    return dataclasses.replace(rule, id=rule.natural_id)
