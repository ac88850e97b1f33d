"""`rotobot` on the command line.

Exit codes: 0 done; 1 a runtime problem (database refused, another instance running, Discord rejected the token);
2 a usage error (unknown command or option); 78 a bad setting (EX_CONFIG, so a service manager does not restart
into the same mistake).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings, render
from storage.backup import backup
from storage.errors import StorageError

EXIT_RUNTIME, EXIT_USAGE, EXIT_CONFIG = 1, 2, 78

log = logging.getLogger("rotobot")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="TOML settings file (default: $ROTOBOT_CONFIG, else built-in defaults)",
    )
    parser = argparse.ArgumentParser(
        prog="rotobot",
        description="Watches small caps vs mega caps, the FOMC and your tickers, and tells your Discord server.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "run",
        parents=[common],
        help="run the bot (console without DISCORD_TOKEN)",
        description="Run the bot. Without DISCORD_TOKEN it talks on this console: type !help.",
    )
    commands.add_parser("config", parents=[common], help="print the effective settings, secrets masked")
    db = commands.add_parser("db", parents=[common], help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    take = db_commands.add_parser(
        "backup", parents=[common], help="copy the database consistently, even while the bot runs"
    )
    take.add_argument("path", type=Path, help="where to write the copy")
    take.add_argument("--force", action="store_true", help="replace PATH if it exists")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rotobot")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # exits 2 with usage on anything it does not understand
    try:
        settings = load_settings(getattr(args, "config", None))
    except SettingsError as exc:
        print(f"rotobot: bad settings: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log.level, settings.secrets())
    try:
        if args.command == "config":
            print(render(settings), end="")
            return 0
        if args.command == "db":
            size = backup(settings.storage.database, args.path, overwrite=args.force)
            print(f"Backed up {settings.storage.database} to {args.path} ({size:,} bytes)")
            return 0
        return _run(settings)
    except StorageError as exc:
        print(f"rotobot: {exc}", file=sys.stderr)
        return EXIT_RUNTIME


def _run(settings: Settings) -> int:
    from bot.app import App  # the bot's heavy imports (discord, aiohttp, apscheduler) only when it runs

    try:
        return asyncio.run(App(settings).run())
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        return 130


if __name__ == "__main__":
    sys.exit(main())
