"""Rules from a TOML file of `[[rules]]` tables, and the rules rotobot runs when there is no file.

A bad file is refused whole, with one line that says where and what: the file, the rule's number (1-based, as
a reader counts the tables), its kind, the key, the value and what was expected. Half a rules file is worse
than none: the rules a trader relies on might be the ones left out.

FOMC alerts are not rules: the FOMC watch always announces each decision, and reminds `[fomc] remind_hours_before`
of the settings before it. A rules file that tries to configure them is refused and told where that is set, rather
than read and ignored (its `hours_before` once was, silently).
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib

from alerts.rules.checks import RuleError, show
from alerts.rules.model import RULE_TYPES, NewHigh, RotationSpread, Rule


_EXPECTED = {  # what a required key holds, for the "missing" message
    "symbol": "a ticker such as '^RUT' or 'AAPL'",
    "small": "the small-cap ticker, such as '^RUT'",
    "large": "the mega-cap ticker, such as '^NDX'",
    "price": "the price of the line, such as 150.0",
    "pct": "a percent move, such as 3.0",
    "window": "the moving average's length in sessions, such as 50",
    "sessions": "how many sessions the change is over, such as 15",
}


_FOMC_SETTING = "set [fomc] remind_hours_before in the settings, such as remind_hours_before = {hours}"
_NOT_RULES = {  # what a rules file asking for an FOMC alert is told to do instead (None: any other FOMC kind)
    "fomc_decision": "fomc_decision rules are not read from a rules file: rotobot always announces each FOMC "
                     "decision; remove this rule",
    "fomc_reminder": "fomc_reminder rules are not read from a rules file: remove this rule and " + _FOMC_SETTING,
    None: "FOMC alerts are not rules: rotobot always announces each decision; for its reminders " + _FOMC_SETTING,
}


class RuleFileError(ValueError):
    """A rules file that cannot be used; the message is one line naming the file, rule, key and reason."""


def load_rules(text: str, *, source: str) -> list[Rule]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleFileError(f"{source}: invalid TOML: {_one_line(str(error))}") from None
    for key in document:
        if key.lower() == "fomc":
            raise RuleFileError(f"{source}: [{key}]: belongs in the settings file (--config or ROTOBOT_CONFIG), not "
                                f"the rules file: set [fomc] remind_hours_before = {_hours(document[key])} there; "
                                "rules go in [[rules]] tables")
        if key != "rules":
            raise RuleFileError(f"{source}: {key}: unknown top-level key{_did_you_mean(key, ['rules'])}; "
                                "rules go in [[rules]] tables")
    tables = document.get("rules")
    if not tables:
        raise RuleFileError(f"{source}: no [[rules]] tables: add at least one, such as "
                            "[[rules]] kind = \"new_high\" symbol = \"^RUT\"")
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise RuleFileError(f"{source}: rules: expected [[rules]] tables, not {show(tables)}")
    rules: list[Rule] = []
    first_with: dict[str, int] = {}
    for number, table in enumerate(tables, start=1):
        rule = _rule(table, source, number)
        if rule.id.startswith("sub:") or "@" in rule.id:
            # The engine's own namespaces: a subscription's rule is "sub:<id>", a server's own lines "<id>@<guild>".
            raise RuleFileError(f"{source}: rule {number} ({rule.kind}): id = {rule.id!r}: ids starting with 'sub:' "
                                "or holding '@' are kept for subscriptions and servers' own lines: choose another, "
                                "such as \"rut-records\"")
        if rule.id.startswith("watch:"):  # a server's watch is "watch:<guild>:<number>" (alerts/watches.py)
            raise RuleFileError(f"{source}: rule {number} ({rule.kind}): id = {rule.id!r}: ids starting with "
                                "'watch:' are kept for servers' watches: choose another, such as \"rut-records\"")
        if rule.id in first_with:
            raise RuleFileError(f"{source}: rule {number} ({rule.kind}): id = {rule.id!r}: same id as rule "
                                f"{first_with[rule.id]}; give one of them its own id")
        first_with[rule.id] = number
        rules.append(rule)
    return rules


def _rule(table: dict, source: str, number: int) -> Rule:
    where = f"{source}: rule {number}"
    kinds = sorted(RULE_TYPES)
    if "kind" not in table:
        raise RuleFileError(f"{where}: kind: missing; expected one of {', '.join(kinds)}")
    kind = table["kind"]
    if isinstance(kind, str) and "fomc" in kind.lower():
        said, kind = (f"{where} ({kind})", kind) if kind in _NOT_RULES else (f"{where}: kind = {show(kind)}", None)
        raise RuleFileError(f"{said}: {_NOT_RULES[kind].format(hours=_hours(table))}")
    if not isinstance(kind, str) or kind not in RULE_TYPES:
        hint = _did_you_mean(kind, kinds) if isinstance(kind, str) else ""
        raise RuleFileError(f"{where}: kind = {show(kind)}: unknown kind{hint}; expected one of {', '.join(kinds)}")
    cls = RULE_TYPES[kind]
    where = f"{where} ({kind})"
    fields = {field.name: field for field in dataclasses.fields(cls) if field.init}  # not what is worked out
    for key, value in table.items():
        if key != "kind" and key not in fields:
            hint = f"; FOMC reminders are not rules: {_FOMC_SETTING.format(hours='[24.0, 1.0]')}" if (
                key == "hours_before") else _did_you_mean(key, list(fields))
            raise RuleFileError(f"{where}: {key} = {show(value)}: unknown key{hint}")
    for name, field in fields.items():
        if name != "id" and name not in table and field.default is dataclasses.MISSING:
            raise RuleFileError(f"{where}: {name}: missing; expected {_EXPECTED.get(name, 'a value')}")
    params = {key: value for key, value in table.items() if key not in ("kind", "id")}
    try:
        rule = cls(id=table.get("id", "-"), **params)  # "-" stands in until the natural id is known
        return rule if "id" in table else dataclasses.replace(rule, id=rule.natural_id)
    except RuleError as error:
        raise RuleFileError(f"{where}: {error}") from None


def default_rules(small: str = "^RUT", large: str = "^NDX", window: int = 20, upper: float = 5.0,
                  lower: float = -5.0, hysteresis: float = 1.0) -> list[Rule]:
    """What rotobot watches without a rules file: the small-cap leg's record closes and the rotation spread. (The
    FOMC watch, which is no rule, runs either way.)"""
    record = NewHigh("-", small, "close")
    spread = RotationSpread("-", small, large, window, upper, lower, hysteresis)
    return [dataclasses.replace(record, id=record.natural_id), dataclasses.replace(spread, id=spread.natural_id)]


def _hours(table: object) -> str:
    """The reminder hours a table gave, for the example, if they look like hours; else the default."""
    hours = table.get("hours_before", table.get("remind_hours_before")) if isinstance(table, dict) else None
    looks_right = isinstance(hours, list) and hours and all(
        isinstance(h, (int, float)) and not isinstance(h, bool) and 0 < h < float("inf") for h in hours)
    return show(hours) if looks_right else "[24.0, 1.0]"


def _did_you_mean(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())
