"""rotobot in Discord: commands (prefix and slash, through the one router) and alerts, grouped per destination."""

from bot.transports.discord.client import RotoBot, intents
from bot.transports.discord.refusal import DeliveryError
from bot.transports.discord.transport import DiscordTransport

__all__ = ["DeliveryError", "DiscordTransport", "RotoBot", "intents"]
