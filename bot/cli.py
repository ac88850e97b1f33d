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
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from bot import cli_backtest, cli_data, cli_fomc, cli_replay
from bot.errors import StartupError
from alerts.rules.loader import RuleFileError
from bot.cli_data import InputError
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
    common.add_argument(
        "--db", metavar="PATH", type=Path, default=argparse.SUPPRESS, help="SQLite database (overrides storage.database)"
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
    trim = db_commands.add_parser(
        "prune", parents=[common],
        help="forget alerts delivered more than delivery.keep_days ago, and state nothing uses (also done daily)",
    )
    trim.add_argument("--dry-run", action="store_true", help="only say what would be removed")

    load = commands.add_parser(
        "import", parents=[common], help="store daily bars from a Yahoo chart JSON or a CSV (Stooq's included)"
    )
    load.add_argument("file", type=Path, help="the file to import")
    load.add_argument("--symbol", help="the symbol, when the file does not say (default: its meta or its name)")
    show = commands.add_parser("prices", parents=[common], help="print stored daily bars of a symbol")
    show.add_argument("symbol", help="e.g. ^RUT")
    show.add_argument("--last", type=_positive, metavar="N", help="only the last N sessions")
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    fill = commands.add_parser("backfill", parents=[common], help="fetch missing daily history now")
    fill.add_argument("symbols", nargs="*", metavar="SYM", help="default: every symbol rotobot needs")
    fill.add_argument("--since", help="fetch from this date (YYYY-MM-DD) even if stored")
    fed = commands.add_parser("fomc", parents=[common], help="the stored FOMC calendar, decisions and projections")
    fed.add_argument("--json", action="store_true", help="one JSON object: meetings, decisions and projections")
    fed_commands = fed.add_subparsers(dest="fomc_command", metavar="ACTION")
    fed_import = fed_commands.add_parser(
        "import", parents=[common],
        help="load a saved calendar page, statement page, projections (SEP) page, or FRED DFEDTARU+DFEDTARL CSVs"
    )
    fed_import.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    demo = commands.add_parser(
        "demo", parents=[common], help="autumn 2025 replayed on real history: no network, no Discord, a temporary database"
    )
    demo.add_argument("--interactive", action="store_true", help="stay at the prompt afterwards")
    again = commands.add_parser(
        "replay", parents=[common], help="what the rules would have said over stored history (changes nothing)"
    )
    again.add_argument("--from", dest="start", metavar="DATE", help="first session, YYYY-MM-DD")
    again.add_argument("--to", dest="end", metavar="DATE", help="last session, YYYY-MM-DD")
    again.add_argument("--rules", type=Path, metavar="FILE", help="a TOML rules file (default: the configured rules)")
    again.add_argument("--json", action="store_true", help="one JSON object per alert")
    test = commands.add_parser(
        "backtest", parents=[common],
        help="what followed each signal the replay gives, against any session of the range (changes nothing)",
    )
    test.add_argument("--from", dest="start", metavar="DATE", help="first session, YYYY-MM-DD")
    test.add_argument("--to", dest="end", metavar="DATE", help="last session, YYYY-MM-DD (later ones serve as t+h)")
    test.add_argument("--rules", type=Path, metavar="FILE", help="a TOML rules file (default: the configured ones)")
    test.add_argument("--horizons", default="5,20,60", metavar="N,N,...",
                      help="sessions after each signal to measure over (default: 5,20,60)")
    test.add_argument("--json", action="store_true", help="one JSON object per signal, then one per summary")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of sessions")
    return value


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
    if getattr(args, "db", None) is not None:
        settings = replace(settings, storage=replace(settings.storage, database=args.db))
    level = settings.log.level
    if (args.command == "run" and settings.discord.token is None and sys.stdin.isatty()
            and settings.sources.get("log.level") == "default"):
        level = "WARNING"  # a person at the console prompt: warnings only, unless they asked for more
    configure_logging(level, settings.secrets())
    try:
        return _dispatch(args, settings)
    except RuleFileError as exc:
        print(f"rotobot: bad rules: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (StorageError, InputError, StartupError) as exc:
        print(f"rotobot: {exc}", file=sys.stderr)
        return EXIT_RUNTIME


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "config":
        print(render(settings), end="")
        return 0
    if args.command == "db" and args.db_command == "prune":
        print(prune_database(settings, args.dry_run, datetime.now(timezone.utc)))
        return 0
    if args.command == "db":
        size = backup(settings.storage.database, args.path, overwrite=args.force)
        print(f"Backed up {settings.storage.database} to {args.path} ({size:,} bytes)")
        return 0
    if args.command == "import":
        print(cli_data.import_file(settings, args.file, args.symbol, datetime.now(timezone.utc)))
        return 0
    if args.command == "prices":
        print(cli_data.show_prices(settings, args.symbol, args.last, args.json))
        return 0
    if args.command == "fomc":
        if getattr(args, "fomc_command", None) == "import":
            print(cli_fomc.import_files(settings, args.paths, datetime.now(timezone.utc)))
        else:
            print(cli_fomc.show(settings, args.json))
        return 0
    if args.command == "demo":
        from bot.demo import main as demo_main

        return demo_main(args.interactive)
    if args.command == "replay":
        print(cli_replay.run_replay(settings, args.start, args.end, args.rules, args.json))
        return 0
    if args.command == "backtest":
        print(cli_backtest.run_backtest(settings, args.start, args.end, args.rules, args.horizons, args.json))
        return 0
    if args.command == "backfill":
        since = cli_data.parse_day(args.since) if args.since else None
        report, complete = cli_data.backfill(settings, args.symbols, since)
        print(report)
        return 0 if complete else EXIT_RUNTIME
    return _run(settings)


def prune_database(settings: Settings, dry_run: bool, now: datetime) -> str:
    from storage.database import Database
    from storage.retention import prune

    if not settings.storage.database.exists():
        raise InputError(f"{settings.storage.database} does not exist: nothing to prune (give --db PATH)")
    database = Database.open(settings.storage.database)
    try:
        report = database.call(prune, now, settings.delivery.keep_days, dry_run=dry_run)
    finally:
        database.close()
    return f"{settings.storage.database}: {report.text(dry_run)}"


def _run(settings: Settings) -> int:
    from bot.app import App  # the bot's heavy imports (discord, aiohttp, apscheduler) only when it runs

    try:
        return asyncio.run(App(settings).run())
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        return 130


if __name__ == "__main__":
    sys.exit(main())
