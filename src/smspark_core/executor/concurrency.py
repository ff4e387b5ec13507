"""How many requests to keep in flight when ``maxConcurrency="auto"``: a limit that adapts to
what the endpoint can take.

The rule is TCP Vegas's, applied to requests (as Netflix's ``concurrency-limits`` does for
RPCs), with AIMD on throttling:

* **Latency against the minimum.** A request's latency is compared with the least latency
  seen for requests of its size class (bodies within a power of two of each other, since a
  5 MiB body takes longer than a 600 kB one whatever the load). Their ratio ``r`` (smoothed
  over recent requests) says how much of the latency is queueing: by Little's law, of
  ``limit`` requests in flight, ``limit / r`` are being served and ``limit * (1 - 1/r)`` wait
  in a queue somewhere (the instances' workers, the front end, this machine's CPU).
* **Increase while nothing queues.** The limit starts at ``START`` and, in slow start,
  grows by one per answered request (doubling per round trip) until queueing first shows
  (in a single answer's latency: the smoothed ratio lags, and doubling would turn its lag
  into a large overshoot); then by
  ``1/limit`` per answered request (one per round trip) while fewer than ``ALPHA`` requests
  queue, holds between ``ALPHA`` and ``BETA``, and above ``BETA`` moves towards what is being
  served plus ``ALPHA``. So it settles a request or two past the endpoint's capacity: enough
  to keep every instance busy, never a growing queue.
* **Halve on throttling.** A ThrottlingException halves the limit (never below 1), once per
  round: throttles of requests sent before the last cut say nothing new (as TCP cuts its
  window once per loss window), so a burst of them is one cut, not a collapse to 1.

Why this rule: a batch transform wants throughput, and the knee of the throughput curve is
where latency starts to grow; Vegas finds it from latency alone, without probing into
throttling or errors as pure AIMD must (an endpoint's instances queue requests long before
anything is throttled). Throttling is the service saying no outright, so it gets the
classic multiplicative cut.

The cap (``auto_cap``) bounds the limit by memory and by the client: each request in flight
holds its packed group (up to ``maxRequestBytes`` of body plus the Arrow batches it came from
and its answer, counted as three times the body) within ``AUTO_MEMORY_BYTES`` per Python
worker, and no more than ``AUTO_MAX`` = botocore's connection pool per client (10): past it,
every extra request would open and drop a connection.

One controller per endpoint and ``transform()`` in each Python worker process
(``controller_for``): the tasks a reused worker runs for the same transform go on from
where the previous task left off instead of starting from scratch. A new transform starts
afresh, because what was learnt (the minimum latency above all) belongs to the conditions of
its time: a latency that changed between two jobs would otherwise read as queueing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

# Three: a partition of a few requests (the ramp-up of request sizes makes a small one three)
# sends them all at once, as a fixed 4 does; a lower start left them a round trip behind it.
# A higher one measures its first latencies, the minimum among them, behind its own queue at
# a one-instance endpoint (and behind new connections), and then settles too high.
START = 3.0
ALPHA = 1.0  # requests queued below which the limit grows
BETA = 3.0  # requests queued above which it shrinks
SMOOTHING = 0.3  # weight of the newest latency ratio
AUTO_MAX = 10  # botocore's max_pool_connections: one connection per request in flight
AUTO_MEMORY_BYTES = 256 * 1024 * 1024  # what the requests in flight may hold per worker
_KEPT = 8  # controllers kept per process (the latest transforms')


def auto_cap(max_request_bytes: int) -> int:
    """The most requests "auto" keeps in flight per Python worker (see the module
    docstring): memory for three times the body per request, within botocore's pool."""
    return max(1, min(AUTO_MAX, AUTO_MEMORY_BYTES // (3 * max_request_bytes)))


@dataclass(frozen=True)
class LimitPath:
    """What the limit did, for ``transformStats``: where it ended, its highest and lowest
    (in whole requests), and how often throttling cut it."""

    final: int
    peak: int
    low: int
    throttle_cuts: int


class AdaptiveLimit:
    """The adaptive concurrency limit (the rule in the module docstring). Thread-safe:
    ``acquire`` blocks while ``limit`` requests are in flight; ``on_success``/``on_throttle``
    feed it what each attempt saw (before ``release`` frees its place)."""

    def __init__(self, cap: int, start: float = START) -> None:
        if cap < 1:
            raise ValueError(f"the concurrency cap must be >= 1, got {cap}")
        self.cap = cap
        self._limit = min(float(cap), start)
        self._in_flight = 0
        self._slow_start = True
        self._epoch = 0  # bumped at each throttling cut
        self._minimum: dict[int, float] = {}  # least latency by size class
        self._ratio = 1.0  # smoothed latency / minimum
        self._peak = self._low = self.limit
        self._cuts = 0
        self._changed = threading.Condition()

    @property
    def limit(self) -> int:
        """Requests allowed in flight now."""
        return max(1, int(self._limit))

    @property
    def path(self) -> LimitPath:
        return LimitPath(self.limit, self._peak, self._low, self._cuts)

    def acquire(self) -> int:
        """Waits for a place; returns the epoch to hand back with the attempt's outcome."""
        with self._changed:
            while self._in_flight >= self.limit:
                self._changed.wait()
            self._in_flight += 1
            return self._epoch

    def release(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    def on_success(self, latency: float, body_bytes: int) -> None:
        """An answered request: ``latency`` seconds for a body of ``body_bytes``."""
        if latency <= 0:
            return
        size_class = max(0, int(body_bytes)).bit_length()
        with self._changed:
            least = min(self._minimum.get(size_class, latency), latency)
            self._minimum[size_class] = least
            self._ratio += SMOOTHING * (latency / least - self._ratio)
            queued = self._limit * (1.0 - 1.0 / self._ratio)
            if self._slow_start and self._limit * (1.0 - least / latency) >= ALPHA:
                # Slow start ends at the first answer that alone shows a queue: the smoothed
                # ratio lags by a few answers, which doubling would turn into a large overshoot.
                self._slow_start = False
            elif queued < ALPHA:
                # Only a limit that was being used has been tested: while fewer requests are
                # ready than it allows, a flat latency says nothing about more of them.
                if self._in_flight >= self.limit - 1:
                    self._limit += 1.0 if self._slow_start else 1.0 / self._limit
            elif queued > BETA:
                self._slow_start = False
                served = self._limit / self._ratio
                # Towards what is served plus ALPHA, a step per answer (not all at once:
                # one slow answer is noise, many are a queue).
                self._limit -= SMOOTHING * (self._limit - (served + ALPHA))
            self._settle()

    def on_throttle(self, epoch: int) -> None:
        """A throttled attempt, sent at ``epoch`` (what ``acquire`` returned)."""
        with self._changed:
            if epoch != self._epoch:
                return  # sent before the last cut, which already answered it
            self._epoch += 1
            self._cuts += 1
            self._slow_start = False
            self._limit = self._limit / 2
            self._settle()

    def _settle(self) -> None:
        self._limit = min(float(self.cap), max(1.0, self._limit))
        self._peak = max(self._peak, self.limit)
        self._low = min(self._low, self.limit)
        self._changed.notify_all()


_controllers: OrderedDict[tuple[str, str], AdaptiveLimit] = OrderedDict()
_lock = threading.Lock()


def controller_for(endpoint: str, transform_id: str, cap: int) -> AdaptiveLimit:
    """The limit shared by this process's tasks of one ``transform()`` on one endpoint (the
    latest ``_KEPT`` transforms' are kept)."""
    key = (endpoint, transform_id)
    with _lock:
        controller = _controllers.get(key)
        if controller is None:
            controller = _controllers[key] = AdaptiveLimit(cap)
            while len(_controllers) > _KEPT:
                _controllers.popitem(last=False)
        else:
            _controllers.move_to_end(key)
        return controller
