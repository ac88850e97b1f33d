"""The FOMC's policy statement: the decision on the target range and the vote.

Accepted as plain text (a page's text with its navigation, or a scraper's markdown with YAML front matter) or as
the press-release HTML (monetaryYYYYMMDDa.htm); tags are stripped first. The statement writes fractions the Fed's
way ("3-1/2 to 3-3/4 percent") and its web pages often put a U+2011 non-breaking hyphen inside them ("3‑3/4"),
sometimes beside an ordinary one in the same sentence; both are read alike.

The decision sentence, as the Committee has written it:

    decided to lower the target range for the federal funds rate by 1/4 percentage point to 3-1/2 to 3-3/4 percent
    decided today to lower the target range for the federal funds rate by 1/2 percentage point, to 1 to 1-1/4 percent
    decided to raise the target range for the federal funds rate to 5-1/4 to 5-1/2 percent
    decided to maintain the target range for the federal funds rate at 4-1/4 to 4-1/2 percent
    decided today to establish a target range for the federal funds rate of 0 to 1/4 percent   (2008-12-16)

and, before December 2008, with a single target (read with lower = upper):

    has decided to lower its target for the federal funds rate 75 basis points to 3-1/2 percent    (2008-01-22)
    decided today to raise its target for the federal funds rate by 25 basis points to 5 percent
    decided today to keep its target for the federal funds rate at 5-1/4 percent

Third-party archives often store the text with its UTF-8 read as Latin-1 or Windows-1252, so that each U+2011 in
"3‑3/4" has become the three characters "â\x80\x91" (or "â€‘"): such sequences are decoded back first. Damage
that cannot be undone (a rate such as "1â1/4") is refused with that reason, never read as a number.

The size of a move is read only where the sentence states it ("by 1/4 percentage point", "by 25 basis points").
Many statements do not (the hikes of 2015, 2022 and 2023, the cut of 2020-03-15): change_bp is then None and the
caller takes it from the previous range. A dissenter's preference ("preferred ... by 1/2 percentage point") is
never taken for the decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

ACTIONS = {
    "raise": "raise",
    "increase": "raise",
    "lower": "lower",
    "reduce": "lower",
    "decrease": "lower",
    "maintain": "maintain",
    "keep": "maintain",
    # December 2008, the first range: the statement names no direction; the caller compares with the old target.
    "establish": "establish",
}
# Hyphen look-alikes seen inside fractions, and spaces that are not plain spaces.
NORMALISE = str.maketrans(
    {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " "}
)
RATE = r"(?:\d{1,2}-\d{1,2}/\d{1,2}|\d{1,2}/\d{1,2}|\d{1,2}\.\d+|\d{1,2})"
RATE_TEXT = re.compile(
    r"^(?:(?P<whole>\d{1,3})(?:-(?P<num>\d{1,2})/(?P<den>\d{1,2}))?"  # 5, 5-1/4
    r"|(?P<num2>\d{1,2})/(?P<den2>\d{1,2})"  # 1/4
    r"|(?P<dec>\d{1,3}\.\d+))$"  # 0.5, as in "by 0.5 percentage point"
)
TARGET_RANGE = re.compile(r"target\s+range\s+for\s+the\s+federal\s+funds\s+rate", re.IGNORECASE)
DECIDED = re.compile(
    r"decided(?:\s+today)?\s+to\s+(?P<verb>" + "|".join(ACTIONS) + r")\s+(?:the|a)\s+" + TARGET_RANGE.pattern,
    re.IGNORECASE,
)
SIZE = rf"(?P<by>{RATE})\s+(?P<unit>percentage\s+points?|basis[\s-]+points?)"
DECISION = re.compile(
    DECIDED.pattern
    + rf"(?:\s+by\s+{SIZE})?"
    + rf",?\s+(?:to|at|of)\s+(?P<lower>{RATE})\s+to\s+(?P<upper>{RATE})\s+percent\b",
    re.IGNORECASE,
)
SINGLE_TARGET = re.compile(r"target\s+for\s+the\s+federal\s+funds\s+rate", re.IGNORECASE)
SINGLE_DECIDED = re.compile(
    r"decided(?:\s+today)?\s+to\s+(?:" + "|".join(ACTIONS) + r")\s+its\s+" + SINGLE_TARGET.pattern, re.IGNORECASE
)
SINGLE_DECISION = re.compile(  # before December 2008; "by" is sometimes left out ("... rate 75 basis points to")
    r"decided(?:\s+today)?\s+to\s+(?P<verb>" + "|".join(ACTIONS) + r")\s+its\s+" + SINGLE_TARGET.pattern
    + rf"(?:\s+(?:by\s+)?{SIZE})?,?\s+(?:to|at)\s+(?P<target>{RATE})\s+percent\b",
    re.IGNORECASE,
)
# UTF-8 read as Latin-1 or Windows-1252: a lead byte's character, then its continuation bytes' characters.
_CONTINUATION = "[\x80-\xbf" + "".join(
    sorted(set(bytes(range(0x80, 0xa0)).decode("cp1252", errors="ignore")) - set(map(chr, range(0x80, 0xa0))))
) + "]"
MOJIBAKE = re.compile(
    f"[\xc2-\xdf]{_CONTINUATION}|[\xe0-\xef]{_CONTINUATION}{{2}}|[\xf0-\xf4]{_CONTINUATION}{{3}}"
)
MOJIBAKE_LEFT = re.compile(r"\d[\xc2-\xf4]|[\xc2-\xf4][\x80-\x9f]*\d")  # "1â1/4": a rate with damage in it
# A sentence ends at a period after a word of two or more letters or digits ("percent.", "Waller."), not after an
# initial ("Jerome H. Powell") or an abbreviation ("U.S.", "p.m.").
SENTENCE_END = re.compile(r"(?<=[a-z0-9]{2}\.)\s+(?=[A-Z])")
VOTING_FOR = re.compile(r"^Voting for the (?:FOMC )?monetary policy action (?:were|was):?\s+(?P<names>.+?)\.?$")
VOTING_AGAINST = re.compile(  # "Voting against this action were: ...", and before 2009 "Voting against was ..."
    r"^Voting against(?: (?:the|this) (?:FOMC )?(?:monetary policy )?action)? (?:were|was):?\s+(?P<rest>.+?)\.?$"
)
TITLES = {"chair", "chairman", "vice chair", "vice chairman"}


class StatementUnreadable(ValueError):
    """The text is not a policy statement rotobot can read; the message says what was missing."""


@dataclass(frozen=True)
class StatementReading:
    action: str  # "raise" | "lower" | "maintain"; "establish" for the 2008 wording, which names no direction
    lower: float  # percent, e.g. 3.5; a single target (before December 2008) has lower = upper
    upper: float  # e.g. 3.75
    change_bp: int | None  # signed, e.g. -25; 0 for maintain; None when the statement does not state the size
    voted_for: list[str]
    voted_against: list[str]  # dissenters
    dissent_notes: list[str]  # what they preferred, as the text says: "Stephen I. Miran: preferred to lower ..."


def read_statement(text: str) -> StatementReading:
    """The decision and the vote in a statement (plain text or HTML). Raises StatementUnreadable."""
    paragraphs = _paragraphs(text)
    decisions = {_decision(match) for paragraph in paragraphs
                 for pattern in (DECISION, SINGLE_DECISION) for match in pattern.finditer(paragraph)}
    if not decisions:
        raise StatementUnreadable(_why_no_decision(paragraphs))
    if len(decisions) > 1:
        described = "; ".join(f"{action} to {lower:g}-{upper:g}" for action, lower, upper, _ in sorted(decisions))
        raise StatementUnreadable(f"more than one decision on the target range: {described}")
    action, lower, upper, change_bp = decisions.pop()
    voted_for, voted_against, notes = _votes(paragraphs)
    return StatementReading(
        action=action,
        lower=lower,
        upper=upper,
        change_bp=change_bp,
        voted_for=voted_for,
        voted_against=voted_against,
        dissent_notes=notes,
    )


def parse_fraction_rate(text: str) -> float:
    """A rate in the Fed's style: "3-1/2" -> 3.5, "1/4" -> 0.25, "0" -> 0.0, "5" -> 5.0, "4‑1/4" -> 4.25."""
    match = RATE_TEXT.match(text.translate(NORMALISE).strip())
    if match is None:
        raise ValueError(f"{text!r} is not a rate such as 3-1/2, 1/4 or 5")
    if match["dec"]:
        return float(match["dec"])
    whole = int(match["whole"]) if match["whole"] else 0
    numerator, denominator = match["num"] or match["num2"], match["den"] or match["den2"]
    if numerator is None:
        return float(whole)
    numerator, denominator = int(numerator), int(denominator)
    if not 0 < numerator < denominator:
        raise ValueError(f"{text!r}: {numerator}/{denominator} is not a proper fraction")
    return whole + numerator / denominator


def _decision(match: re.Match) -> tuple[str, float, float, int | None]:
    action = ACTIONS[match["verb"].lower()]
    if "target" in match.re.groupindex:
        lower = upper = parse_fraction_rate(match["target"])
    else:
        lower, upper = parse_fraction_rate(match["lower"]), parse_fraction_rate(match["upper"])
        if not lower < upper:
            raise StatementUnreadable(f"the target range {match['lower']} to {match['upper']} percent is not a range")
    change_bp: int | None = None
    if action == "maintain":
        change_bp = 0
    elif match["by"] and action in ("raise", "lower"):
        size = parse_fraction_rate(match["by"])
        points = round(size * 100) if match["unit"].lower().startswith("percentage") else round(size)
        change_bp = points if action == "raise" else -points
    return action, lower, upper, change_bp


def _why_no_decision(paragraphs: list[str]) -> str:
    damaged = next((p for p in paragraphs if MOJIBAKE_LEFT.search(p) and SINGLE_TARGET.search(p) or
                    MOJIBAKE_LEFT.search(p) and TARGET_RANGE.search(p)), None)
    if damaged is not None:
        at = MOJIBAKE_LEFT.search(damaged).start()
        return ("the text looks like UTF-8 read as Latin-1 (mojibake) that cannot be decoded back, next to a "
                f"number: {damaged[max(0, at - 40):at + 40]!r}; save the statement again as UTF-8")
    if not any(TARGET_RANGE.search(paragraph) or SINGLE_TARGET.search(paragraph) for paragraph in paragraphs):
        if not "".join(paragraphs).strip():
            return "empty text: no statement"
        return "no sentence naming the target range for the federal funds rate"
    decided = next((match for paragraph in paragraphs for pattern in (DECIDED, SINGLE_DECIDED)
                    for match in [pattern.search(paragraph)] if match), None)
    if decided is None:
        return "the target range is named, but no sentence says the Committee decided to raise, lower or maintain it"
    tail = decided.string[decided.start() : decided.end() + 80]
    return f"the decision sentence gives no range in the form 'X to Y percent': {tail!r}"


def _votes(paragraphs: list[str]) -> tuple[list[str], list[str], list[str]]:
    voted_for: list[str] = []
    voted_against: list[str] = []
    notes: list[str] = []
    for paragraph in paragraphs:
        for sentence in SENTENCE_END.split(paragraph):
            sentence = sentence.strip()
            if not voted_for and (match := VOTING_FOR.match(sentence)):
                voted_for = _names(match["names"])
            elif match := VOTING_AGAINST.match(sentence):
                for names, why in _dissent_groups(match["rest"]):
                    voted_against.extend(names)
                    if why:
                        notes.append(f"{' and '.join(names)}: {why}")
    return voted_for, voted_against, notes


def _dissent_groups(text: str) -> list[tuple[list[str], str]]:
    """"A, who preferred X; and B and C, who preferred Y" -> [([A], "preferred X"), ([B, C], "preferred Y")]."""
    parts = re.split(r",\s+who\s+", text)
    groups: list[tuple[list[str], str]] = []
    names_text = parts[0]
    for index, part in enumerate(parts[1:], start=1):
        if index == len(parts) - 1:
            why, following = part, ""
        else:
            # The reason runs to the last "; and", ";" or ", and" before the next dissenters' names.
            separators = list(re.finditer(r";\s*(?:and\s+)?|,\s+and\s+", part))
            if not separators:
                why, following = part, ""
            else:
                why, following = part[: separators[-1].start()], part[separators[-1].end() :]
        groups.append((_names(names_text), why.strip().rstrip(".;,")))
        names_text = following
    if names_text.strip():
        groups.append((_names(names_text), ""))
    return [(names, why) for names, why in groups if names]


def _names(text: str) -> list[str]:
    """ "Jerome H. Powell, Chair; John C. Williams, Vice Chair; ... and Christopher J. Waller" -> the names."""
    if ";" in text:
        parts = [part.split(",")[0] for part in text.split(";")]
    else:
        parts = re.split(r",\s*and\s+|\s+and\s+|,\s*", text)
    names = []
    for part in parts:
        name = re.sub(r"^and\s+", "", part.strip()).strip().rstrip(".")
        if name and name.lower() not in TITLES:
            names.append(name)
    return names


def _paragraphs(text: str) -> list[str]:
    """The text's paragraphs, each on one line with single spaces, hyphens and spaces normalised."""
    text = MOJIBAKE.sub(_undo_mojibake, text)
    if re.search(r"<(?:p|div|br|html|body|span|a|h\d)\b[^>]*>", text, re.IGNORECASE):
        text = _html_text(text)
    text = text.translate(NORMALISE).replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n\s*\n", text)
    return [" ".join(block.split()) for block in blocks if block.strip()]


def _undo_mojibake(match: re.Match) -> str:
    """'â\x80\x91' (or 'â€‘') -> '\u2011': the characters' Latin-1 (or Windows-1252) bytes decoded as UTF-8."""
    for encoding in ("latin-1", "cp1252"):
        try:
            return match.group(0).encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
    return match.group(0)


def _html_text(html: str) -> str:
    reader = _TextReader()
    reader.feed(html)
    reader.close()
    return "".join(reader.parts)


class _TextReader(HTMLParser):
    """The text of an HTML page: block elements become paragraph breaks; scripts and styles are dropped."""

    BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            # Line breaks inside an element are layout, not paragraph breaks.
            self.parts.append(" ".join(data.split("\n")))
