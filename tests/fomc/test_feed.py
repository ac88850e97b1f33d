"""parse_press_feed on the Fed's press_monetary.xml sample, and on faults built from it.

The sample is a TRANSCRIBED trimmed capture (two items) from a Go test, medium confidence: no saved feed file
exists in the fixture set.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from alerts.fomc.feed import FeedItem, is_policy_statement, parse_press_feed, statement_date

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "fomc"
FEED = FIXTURES / "press_monetary_trimmed_capture_2026-08-15.xml"
BASE = "https://www.federalreserve.gov/newsevents/pressreleases/"


@pytest.fixture(scope="module")
def feed() -> str:
    return FEED.read_bytes().decode("utf-8")


def item(title: str, link: str = BASE + "monetary20260729a.htm") -> FeedItem:
    return FeedItem(title=title, link=link, published=datetime(2026, 7, 29, 18, tzinfo=timezone.utc))


# --- the real sample -----------------------------------------------------------------------------------------


def test_items(feed):
    assert parse_press_feed(feed) == [
        FeedItem(
            title="Federal Reserve issues FOMC statement",
            link=BASE + "monetary20260729a.htm",
            published=datetime(2026, 7, 29, 18, 0, tzinfo=timezone.utc),
        ),
        FeedItem(
            title="Minutes of the Federal Open Market Committee, June 16-17, 2026",
            link=BASE + "monetary20260708a.htm",
            published=datetime(2026, 7, 8, 18, 0, tzinfo=timezone.utc),
        ),
    ]


def test_published_is_aware_utc(feed):
    for entry in parse_press_feed(feed):
        assert entry.published.tzinfo is not None and entry.published.utcoffset().total_seconds() == 0


def test_bytes_as_fetched(feed):
    assert parse_press_feed(FEED.read_bytes()) == parse_press_feed(feed)
    assert parse_press_feed(b"\xef\xbb\xbf" + FEED.read_bytes()) == parse_press_feed(feed)


def test_statement_and_minutes(feed):
    statement, minutes = parse_press_feed(feed)
    assert is_policy_statement(statement) and not is_policy_statement(minutes)
    assert statement_date(statement) == date(2026, 7, 29)
    # The minutes use the same link pattern: the link alone does not make a statement.
    assert statement_date(minutes) == date(2026, 7, 8)


def test_a_numeric_zone_is_converted_to_utc(feed):
    altered = feed.replace("Wed, 29 Jul 2026 18:00:00 GMT", "Wed, 29 Jul 2026 14:00:00 -0400")
    assert parse_press_feed(altered)[0].published == datetime(2026, 7, 29, 18, 0, tzinfo=timezone.utc)


# --- is_policy_statement and statement_date ------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Federal Reserve issues FOMC statement",  # the feed's title, and the statements' since 2012
        "FOMC statement",  # the title of the 2008-12-16 statement (statement_2008-12-16.md front matter)
        "Federal Reserve Issues FOMC Statement",
        "  Federal Reserve issues  FOMC statement. ",
    ],
)
def test_policy_statement_titles(title):
    assert is_policy_statement(item(title))


@pytest.mark.parametrize(
    "title",
    [
        "Minutes of the Federal Open Market Committee, June 16-17, 2026",  # from the feed
        "Statement on Longer-Run Goals and Monetary Policy Strategy",  # link text on the calendar page
        "Implementation Note issued December 10, 2025",  # link text on the statement page
        # Not in the recorded documents; titles of the kind that must not count:
        "Federal Reserve issues FOMC statement of longer-run goals and policy strategy",
        "Minutes of the Board's discount rate meetings",
        "Federal Reserve Board approves discount rate action",
    ],
)
def test_other_releases_are_not_the_statement(title):
    assert not is_policy_statement(item(title))


@pytest.mark.parametrize(
    "link, expected",
    [
        (BASE + "monetary20251210a.htm", date(2025, 12, 10)),
        (BASE + "monetary20251210a1.htm", None),  # the implementation note (statement page's link)
        ("/monetarypolicy/files/monetary20251210a1.pdf", None),  # the PDF (calendar page's link)
        ("https://www.federalreserve.gov/feeds/feeds.htm", None),  # the channel link
        (BASE + "monetary20251310a.htm", None),  # no 13th month
    ],
)
def test_statement_date(link, expected):
    assert statement_date(item("Federal Reserve issues FOMC statement", link)) == expected


# --- faults built from the sample ----------------------------------------------------------------------------


def test_html_page_is_refused():
    page = (FIXTURES / "fed_fomccalendars_snapshot_lastupdate_2026-04-08.htm").read_bytes()
    with pytest.raises(ValueError, match="expected an RSS feed, got HTML .page title 'The Fed - Meeting calendars"):
        parse_press_feed(page)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_feed(feed, keep):
    with pytest.raises(ValueError, match="truncated XML: the body stops after"):
        parse_press_feed(feed[: int(len(feed) * keep)])


def test_malformed_feed(feed):
    with pytest.raises(ValueError, match="malformed XML: mismatched tag"):
        parse_press_feed(feed.replace("<item>", "<itme>", 1))


@pytest.mark.parametrize("garbage, reason", [("", "empty body"), ("Too Many Requests", "got text 'Too Many")])
def test_not_xml(garbage, reason):
    with pytest.raises(ValueError, match=reason):
        parse_press_feed(garbage)


@pytest.mark.parametrize(
    "declaration",
    ['<!DOCTYPE rss [<!ENTITY lol "lol">]>', '<!DOCTYPE rss SYSTEM "file:///etc/passwd">'],
)
def test_a_dtd_or_entity_is_refused_before_parsing(feed, declaration):
    altered = feed.replace("<rss version", declaration + "\n<rss version", 1)
    with pytest.raises(ValueError, match="refused: the body declares a DTD or entities"):
        parse_press_feed(altered)


def test_not_rss(feed):
    altered = feed.replace("<rss version", "<feed version").replace("</rss>", "</feed>")
    with pytest.raises(ValueError, match="the document is <feed>, not an RSS 2.0 <rss> feed"):
        parse_press_feed(altered)


def test_no_channel(feed):
    altered = feed.replace("<channel>", "<chanel>").replace("</channel>", "</chanel>")
    with pytest.raises(ValueError, match="no <channel>"):
        parse_press_feed(altered)


def test_item_without_a_date(feed):
    altered = feed.replace("<pubDate><![CDATA[Wed, 29 Jul 2026 18:00:00 GMT]]></pubDate>", "", 1)
    with pytest.raises(ValueError, match="item 1 .'Federal Reserve issues FOMC statement'. has no pubDate"):
        parse_press_feed(altered)


def test_item_with_an_unreadable_date(feed):
    altered = feed.replace("Wed, 8 Jul 2026 18:00:00 GMT", "2026-07-08T18:00:00Z")
    with pytest.raises(ValueError, match="item 2 .*pubDate '2026-07-08T18:00:00Z' is not an RFC 822 date"):
        parse_press_feed(altered)


def test_item_without_a_link(feed):
    altered = feed.replace(f"<link><![CDATA[{BASE}monetary20260708a.htm]]></link>", "<link></link>")
    with pytest.raises(ValueError, match="item 2 .* has no link"):
        parse_press_feed(altered)


def test_feed_without_items(feed):
    start, end = feed.index("<item>"), feed.rindex("</item>") + len("</item>")
    assert parse_press_feed(feed[:start] + feed[end:]) == []
