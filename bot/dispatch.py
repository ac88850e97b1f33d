"""The dispatcher: takes what the outbox owes to every transport and every target, each on its own.

Check the log before sending, write it after (Alertmanager's rule). Each transport first says where an alert
goes (its targets, logged once); then each target is tried by itself: one refusing server never hides behind two
that took the alert, a target that has it is never sent it again, and a rate-limited Discord fan-out never holds
back the console or the webhook (each transport drains in a loop of its own, each target in a task of its own).
A failed try is retried with backoff and given up on in the end (alerts/delivery.py says when), with one notice.
A send that began but was never confirmed (the process died mid-send or right after, or the answer was lost on
the way back) is sent once more, marked "possibly repeated": the only way an alert can reach a reader twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.delivery import (GIVE_UP_AFTER, URGENT_KINDS, DeliveryFailed, NotReady, NotWanted, Target,
                             retry_delay, should_give_up, urgency)
from alerts.payloads import NoticeAlert
from alerts.timefmt import age_text
from bot.batched_writes import BatchedWrites
from bot.delivery_notices import give_up_notice, notification_for, scrub_urls, unresolvable_notice
from bot.transports.base import Transport
from storage import deliveries
from storage.database import Database
from storage.deliveries import FAILED, GAVE_UP, NOT_WANTED, SENT, WAITING, Due, Outcome

log = logging.getLogger(__name__)

IDLE_WAIT = 5.0  # seconds between looks at the outbox when nobody rang
BATCH = 500  # deliveries read per look
MAX_TARGETS_IN_FLIGHT = 200  # per transport: sends wait in the transport's own queue (Discord's rate limiter)
# Under a full load a finished send rings for more only once this many are free: one look a second at Discord's
# rate, not one per send (each look reads the queue and the due deliveries).
REFILL_AT = MAX_TARGETS_IN_FLIGHT // 4
NOT_READY_WAIT = timedelta(seconds=5)
RESOLVE_AGAIN_AFTER = timedelta(minutes=1)  # an alert the transport could not resolve is asked about again

class Dispatcher:
    def __init__(
        self,
        database: Database,
        transports: list[Transport],
        clock: Callable[[], datetime],
        display_zone: ZoneInfo,
        *,
        give_up_after: timedelta = GIVE_UP_AFTER,
        metrics=None,
    ) -> None:
        self._db = database
        self._transports = {t.name: t for t in transports}
        self._clock = clock
        self._zone = display_zone
        self._give_up_after = give_up_after
        self._metrics = metrics
        self._rang = {name: asyncio.Event() for name in self._transports}
        # Alerts a transport could not resolve: event id -> (first failure, last try), asked again after a rest.
        self._unresolvable: dict[str, dict[int, tuple[datetime, datetime]]] = {name: {} for name in self._transports}
        self._busy: dict[str, dict[str, asyncio.Task]] = {name: {} for name in self._transports}
        self._resolving = {name: False for name in self._transports}  # more alerts wait to be resolved
        # Outcomes of sends that went out but could not be written (the disk refused): written first at the next
        # look, and meanwhile their rows stay marked 'sending', so due() never offers them again.
        self._unwritten: dict[str, list[Outcome]] = {name: [] for name in self._transports}
        # What the sends came to, gathered into one transaction while the previous one is on the disk.
        self._records = {name: BatchedWrites(lambda outcomes, name=name: self._write(name, outcomes))
                         for name in self._transports}

    def wake(self) -> None:
        """Something was queued: every transport looks at once."""
        for event in self._rang.values():
            event.set()

    async def recover(self) -> int:
        """Call once at start, before the first send."""
        unconfirmed = await self._db.run(deliveries.recover_unconfirmed)
        if unconfirmed:
            log.warning("%d alert sends were not confirmed before the last stop; they go out again, marked", unconfirmed)
        await self._db.run(deliveries.settle_finished, list(self._transports), self._clock())
        return unconfirmed

    async def run_once(self) -> int:
        """Everything due now, every transport, awaited to the end (the demo's and the tests' simulated clocks);
        returns how many tries were made."""
        tries = 0
        while True:
            made = await asyncio.gather(*(self._look(name, wait=True) for name in self._transports))
            if not any(made) and not any(self._resolving.values()):
                return tries
            tries += sum(made)

    async def run_forever(self) -> None:
        loops = [asyncio.create_task(self._drain(name), name=f"deliver-{name}") for name in self._transports]
        try:
            await asyncio.gather(*loops)
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            for busy in self._busy.values():
                for task in busy.values():
                    task.cancel()
                await asyncio.gather(*busy.values(), return_exceptions=True)
            for records in self._records.values():
                await records.close()  # what went out before the stop is written, not sent again
            for name in self._transports:  # a last try; what still cannot be written goes out again, marked
                try:
                    await self._write_unwritten(name)
                except Exception:  # noqa: BLE001
                    log.exception("could not write what became of the last sends on %s", name)

    async def _drain(self, name: str) -> None:
        rang = self._rang[name]
        while True:
            try:
                await self._look(name, wait=False)
                wait = await self._until_next(name)
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("delivery to %s failed; trying again shortly", name)
                wait = IDLE_WAIT
            try:
                await asyncio.wait_for(rang.wait(), wait)
            except asyncio.TimeoutError:
                pass
            rang.clear()

    async def _until_next(self, name: str) -> float:
        """How long the drain loop may sleep: until the next retry falls due, else until something rings. A
        delivery due already but not started (its target busy, too many in flight, the transport not ready) is
        not a reason to look again at once: a finishing send rings, and not-ready is looked at every IDLE_WAIT."""
        if not self._transports[name].ready():
            return IDLE_WAIT
        if self._resolving[name]:
            return 0.0  # the next batch of new alerts, at once
        at = await self._db.run(deliveries.next_try, name, list(self._busy[name]))
        if at is None:
            return IDLE_WAIT
        wait = (at - self._clock()).total_seconds()
        return IDLE_WAIT if wait <= 0 and self._busy[name] else min(IDLE_WAIT, max(0.05, wait))

    async def _look(self, name: str, *, wait: bool) -> int:
        """Resolve new alerts to targets, then start a send for every target with a due delivery that has none
        going. Returns how many deliveries were tried (or started)."""
        transport = self._transports[name]
        await self._write_unwritten(name)
        if not transport.ready():
            self._resolving[name] = False  # nothing is resolved while not ready: looked at again once it is
            return 0
        self._resolving[name] = await self._resolve(name, transport)
        busy = self._busy[name]
        room = MAX_TARGETS_IN_FLIGHT - len(busy)
        if room <= 0:
            return 0
        # Twice the room: enough for the targets that fit, each with its alerts due now (they go as one message).
        due = await self._db.run(deliveries.due, name, self._clock(), min(BATCH, 2 * room), list(busy))
        by_target: dict[str, list[Due]] = {}
        for item in due:
            by_target.setdefault(item.target.key, []).append(item)
        chosen = list(by_target.items())[:room]
        if not chosen:
            return 0
        # Every send about to begin is marked in one transaction, committed before any of them goes out.
        now = self._clock()
        await self._db.run(deliveries.mark_sending, name, [(d.event.id, key) for key, items in chosen for d in items],
                           now)
        started = []
        for key, items in chosen:
            task = asyncio.create_task(self._send(name, transport, items[0].target, items, now),
                                       name=f"deliver-{name}-{key}")
            busy[key] = task
            task.add_done_callback(lambda done, key=key: self._finished(name, key, done))
            started.append(task)
        if wait:
            await asyncio.gather(*started, return_exceptions=True)
        return sum(len(items) for _, items in chosen)

    def _finished(self, name: str, key: str, task: asyncio.Task) -> None:
        busy = self._busy[name]
        if busy.get(key) is task:
            del busy[key]
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery to %s %s failed", name, key, exc_info=task.exception())
        if len(busy) <= MAX_TARGETS_IN_FLIGHT - REFILL_AT:
            self._rang[name].set()  # its target may have more waiting, and there is room for others

    async def _resolve(self, name: str, transport: Transport) -> bool:
        """Ask the transport where each of the next new alerts goes (the urgent first); returns whether more wait.
        One batch a look: the first sends begin while 20,000 DM alerts are still being resolved. An alert the
        transport cannot answer for (a bug, a database hiccup) is asked again later and never holds back the
        others; after `give_up_after` it goes nowhere on this transport, with a notice."""
        names = list(self._transports)
        skipped = self._unresolvable[name]
        now = self._clock()
        resting = [event_id for event_id, (_, last) in skipped.items() if now - last < RESOLVE_AGAIN_AFTER]
        pending = await self._db.run(deliveries.unresolved, name, BATCH, resting, URGENT_KINDS)
        resolved, notices, stopped = [], [], False
        for event in pending:
            now = self._clock()
            try:
                targets = await transport.targets(event.alert)
            except NotReady:
                stopped = True  # the transport cannot say yet: look again later
                break
            except Exception as exc:  # noqa: BLE001 - one alert's failure must not stop the others
                since = skipped.get(event.id, (now, now))[0]
                skipped[event.id] = (since, now)
                log.exception("%s cannot say where %s goes", name, event.key)
                if now - since < self._give_up_after:
                    continue
                del skipped[event.id]
                targets = []
                notices.append(unresolvable_notice(name, event, scrub_urls(f"{type(exc).__name__}: {exc}"), now))
            skipped.pop(event.id, None)
            resolved.append((event.id, targets, urgency(event.alert)))
        if resolved or notices:
            # One transaction for the whole batch: a server-wide alert to thousands of servers is one write.
            await self._db.run(deliveries.resolve_many, name, resolved, self._clock(), names, notices)
        return not stopped and (len(pending) == BATCH or bool(notices))

    async def _send(self, name: str, transport: Transport, target: Target, items: list[Due], now: datetime) -> None:
        """One target's due deliveries (marked sending at `now`), sent together so a transport can group them into
        one message."""
        results = await asyncio.gather(*(self._send_one(transport, target, d, now) for d in items),
                                       return_exceptions=True)
        now = self._clock()
        outcomes = [self._outcome(name, d, result, now) for d, result in zip(items, results)]
        kept = [o for o in outcomes if o is not None]
        try:
            await self._records[name].write(kept)
        except Exception:  # noqa: BLE001 - what was sent stays known in memory, and is written at the next look
            log.exception("could not write what became of %d sends on %s; writing it again shortly", len(kept), name)
            self._unwritten[name].extend(kept)
        self._observe_latency(name, items, outcomes, now)  # after the outcomes are safe: a metric never risks them

    async def _write_unwritten(self, name: str) -> None:
        outcomes, self._unwritten[name] = self._unwritten[name], []
        try:
            await self._write(name, outcomes)
        except BaseException:
            self._unwritten[name] = outcomes + self._unwritten[name]
            raise

    async def _write(self, name: str, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        notices = await self._db.run(deliveries.record, name, outcomes, self._clock(), list(self._transports))
        if notices:
            self.wake()
        if self._metrics is not None:
            for outcome in outcomes:
                self._metrics.inc("rotobot_deliveries_total", transport=name, outcome=outcome.result.replace(" ", "_"))

    def _observe_latency(self, name: str, items: list[Due], outcomes: list[Outcome | None], now: datetime) -> None:
        """Queued to sent, per target that took it; measured when the send answered, written or not."""
        if self._metrics is None:
            return
        for due, outcome in zip(items, outcomes):
            if outcome is not None and outcome.result == SENT:
                seconds = max(0.0, (now - due.event.created_at).total_seconds())  # a clock stepped back: 0, not < 0
                self._metrics.observe("rotobot_delivery_latency_seconds", seconds, transport=name)

    async def _send_one(self, transport: Transport, target: Target, due: Due, now: datetime) -> None:
        try:
            notification = notification_for(due, now, self._zone)
        except Exception as exc:  # noqa: BLE001 - a damaged alert is its own failure, never its whole batch's
            raise DeliveryFailed(f"the alert cannot be shown ({type(exc).__name__}: {exc})", permanent=True) from None
        await transport.send(target, notification)

    def _outcome(self, name: str, due: Due, result: object, now: datetime) -> Outcome | None:
        event_id, key = due.event.id, due.target.key
        if result is None:
            return Outcome(event_id, key, SENT)
        if isinstance(result, asyncio.CancelledError):
            return None  # shutting down mid-send: still marked sending, so the next start sends it again, marked
        if isinstance(result, NotWanted):
            return Outcome(event_id, key, NOT_WANTED, error=str(result))
        if isinstance(result, NotReady):
            return Outcome(event_id, key, WAITING, retry_at=now + NOT_READY_WAIT)
        hint, maybe_sent = "", False
        if isinstance(result, DeliveryFailed):
            reason, permanent, hint = scrub_urls(result.reason), result.permanent, result.hint
            maybe_sent = result.maybe_sent
        else:  # anything unforeseen is retried, never fatal to the other targets
            reason, permanent = scrub_urls(f"{type(result).__name__}: {result}"), False
        since = due.failing_since or now
        if should_give_up(failing_since=since, now=now, permanent=permanent, given_up_before=due.given_up_before,
                          give_up_after=self._give_up_after):
            log.error("%s gave up on %s to %s after %s: %s", name, due.event.key, due.target.label,
                      age_text((now - since).total_seconds()), reason)
            notice = None if isinstance(due.event.alert, NoticeAlert) or due.given_up_before else \
                give_up_notice(name, due, reason, hint, since, now)
            return Outcome(event_id, key, GAVE_UP, error=reason, permanent=permanent, notice=notice)
        retry_at = now + retry_delay(due.attempts + 1, permanent)
        log.warning("%s could not deliver %s to %s (%s); retrying at %s", name, due.event.key, due.target.label,
                    reason, retry_at.astimezone(self._zone).strftime("%H:%M:%S"))
        return Outcome(event_id, key, FAILED, error=reason, permanent=permanent, retry_at=retry_at,
                       maybe_sent=maybe_sent)
