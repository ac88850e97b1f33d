"""rotobot in Discord: commands (prefix and slash, through the one router) and alerts, grouped per destination."""

from bot.transports.discord.client import RotoBot, intents
from bot.transports.discord.transport import DeliveryError, DiscordTransport

__all__ = ["DeliveryError", "DiscordTransport", "RotoBot", "intents"]
