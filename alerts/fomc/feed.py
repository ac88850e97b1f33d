"""The Fed's RSS 2.0 feed of monetary policy press releases (federalreserve.gov/feeds/press_monetary.xml).

    <item>
        <title>Federal Reserve issues FOMC statement</title>
        <link><![CDATA[https://www.federalreserve.gov/newsevents/pressreleases/monetary20260729a.htm]]></link>
        <guid><![CDATA[...the same URL...]]></guid>
        <category>Monetary Policy</category>
        <pubDate><![CDATA[Wed, 29 Jul 2026 18:00:00 GMT]]></pubDate>
    </item>

The one recorded sample is a trimmed capture transcribed from a Go test (medium confidence): the shape above is
what rotobot relies on, and nothing more.

Parsed with the standard library's ElementTree: defusedxml is not a dependency, and this is a government feed over
HTTPS. ElementTree never fetches external entities; the bundled expat (2.4.1 and newer) limits entity expansion,
but Python may be linked against an older system expat. The feed declares no DTD, so a body with "<!DOCTYPE" or
"<!ENTITY" is refused before parsing: no entity of any kind is ever expanded, whatever the expat version.

A feed is taken whole or refused whole: an item without a title, a link or a readable date means the feed is not
what rotobot understands.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime

# "Federal Reserve issues FOMC statement" (and "FOMC statement", as titled before 2012), whatever the case,
# spacing or final period. Not "... FOMC statement of longer-run goals ...", not minutes, not the discount rate.
STATEMENT_TITLE = re.compile(r"^(?:federal reserve issues )?fomc statement$")
STATEMENT_LINK = re.compile(r"/monetary(\d{4})(\d{2})(\d{2})a\.htm$")


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str
    published: datetime  # aware, UTC


def parse_press_feed(xml: str | bytes) -> list[FeedItem]:
    """The feed's items in feed order (newest first on the Fed's feed). Raises ValueError with the reason."""
    body, text = _body(xml)
    head = text[:2000].lower()
    if "<rss" not in head and re.search(r"<!doctype\s+html|<html\b", head):
        raise ValueError(f"expected an RSS feed, got HTML ({_html_title(text)})")
    if "<!doctype" in text.lower() or "<!entity" in text.lower():
        raise ValueError(
            "refused: the body declares a DTD or entities (<!DOCTYPE / <!ENTITY); the Fed's feed has none"
        )
    if not text.startswith("<"):
        raise ValueError(f"expected an RSS feed, got text {text[:60]!r}")
    try:
        root = ET.fromstring(body)  # bytes keep their declared encoding
    except ET.ParseError as problem:
        if not re.search(r"</rss\s*>\s*$", text):
            raise ValueError(
                f"truncated XML: the body stops after {len(text)} characters, before </rss> ({problem})"
            ) from None
        raise ValueError(f"malformed XML: {problem}") from None
    if root.tag != "rss":
        raise ValueError(f"the document is <{root.tag}>, not an RSS 2.0 <rss> feed")
    channel = root.find("channel")
    if channel is None:
        raise ValueError("the RSS document has no <channel>")
    return [_item(element, index) for index, element in enumerate(channel.findall("item"), start=1)]


def is_policy_statement(item: FeedItem) -> bool:
    """True for the FOMC's policy statement ("Federal Reserve issues FOMC statement")."""
    title = " ".join(item.title.split()).lower().rstrip(".")
    return STATEMENT_TITLE.match(title) is not None


def statement_date(item: FeedItem) -> date | None:
    """The release date in the link ".../monetaryYYYYMMDDa.htm"; None for any other link.

    The link alone does not make a statement: the minutes are released as monetaryYYYYMMDDa.htm too (the
    sample's minutes item is monetary20260708a.htm). Ask is_policy_statement first.
    """
    match = STATEMENT_LINK.search(item.link.strip())
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _item(element: ET.Element, index: int) -> FeedItem:
    title = (element.findtext("title") or "").strip()
    link = (element.findtext("link") or "").strip()
    raw_date = (element.findtext("pubDate") or "").strip()
    if not title:
        raise ValueError(f"item {index} has no title")
    if not link:
        raise ValueError(f"item {index} ({title!r}) has no link")
    if not raw_date:
        raise ValueError(f"item {index} ({title!r}) has no pubDate")
    try:
        published = parsedate_to_datetime(raw_date)
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"item {index} ({title!r}): pubDate {raw_date!r} is not an RFC 822 date") from None
    # "-0000" (no zone information) comes back naive; RFC 5322 means UTC by it.
    published = published.replace(tzinfo=timezone.utc) if published.tzinfo is None else published
    return FeedItem(title=title, link=link, published=published.astimezone(timezone.utc))


def _body(xml: str | bytes) -> tuple[str | bytes, str]:
    """The body to parse (leading BOM and whitespace removed) and its text for the checks."""
    if isinstance(xml, bytes):
        body: str | bytes = xml.removeprefix(b"\xef\xbb\xbf").strip()
        text = body.decode("utf-8", errors="replace")
    else:
        body = text = xml.lstrip("\ufeff").strip()
    if not text:
        raise ValueError("empty body: expected an RSS feed")
    return body, text


def _html_title(html: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)
    if match and match.group(1).strip():
        return f"page title {' '.join(match.group(1).split())[:60]!r}"
    return f"starts {html[:60]!r}"
