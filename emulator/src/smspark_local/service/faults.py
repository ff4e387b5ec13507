"""Fault injection for a local endpoint, so that transform's retry paths can be tested.

``throttle_rate`` answers a share of requests with ThrottlingException exactly as the service
does, ``error_rate`` with a 5xx (``error_status``, 503 ServiceUnavailable by default or 500
InternalFailure), ``latency_ms`` delays every request, and ``fail_next`` fails the next N
requests with ``error_status``. Decisions use a seeded generator, so a test is repeatable.

``instance_capacity`` models what an instance can take (off by default: a local model server
answers any number of requests at once, so latency never grows with load): each model-server
instance serves at most that many requests at once, the others wait their turn, and
``latency_ms`` becomes the time each request holds its place (its service time) rather than a
delay in front. Past the endpoint's capacity (instances x ``instance_capacity``) latency then
grows with the requests in flight, as a real instance's does, which is what
``maxConcurrency="auto"`` reads.
``requests`` counts the invocations decided on, so that a test can time a fault by progress.

``SpotInterruptions`` are the training side: managed spot training jobs interrupted and
restarted as SageMaker does when it reclaims spot capacity.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields


@dataclass
class Faults:
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    latency_ms: float = 0.0
    fail_next: int = 0
    instance_capacity: int = 0  # 0: unlimited
    seed: int | None = None
    requests: int = field(default=0, init=False)
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.validate()
        self._random.seed(self.seed)

    def validate(self) -> None:
        for name in ("throttle_rate", "error_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        if self.error_status not in (500, 503):
            raise ValueError(f"error_status must be 500 or 503, got {self.error_status}")
        if self.latency_ms < 0 or self.fail_next < 0 or self.instance_capacity < 0:
            raise ValueError("latency_ms, fail_next and instance_capacity must not be negative")

    @property
    def delay_in_front(self) -> float:
        """Seconds to wait before a request is decided on (the latency when no capacity
        model holds it at an instance)."""
        return 0.0 if self.instance_capacity else self.latency_ms / 1000

    @property
    def service_seconds(self) -> float:
        """Seconds a request holds its place at an instance (capacity model only)."""
        return self.latency_ms / 1000 if self.instance_capacity else 0.0

    def decide(self) -> str | None:
        """'throttle', 'error' or None for one request."""
        with self._lock:
            self.requests += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return "error"
            draw = self._random.random()
            if draw < self.throttle_rate:
                return "throttle"
            if draw < self.throttle_rate + self.error_rate:
                return "error"
            return None

    def settings(self) -> dict:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.init and not f.name.startswith("_")
        }


@dataclass(frozen=True)
class SpotInterruptions:
    """Spot interruptions injected into every managed spot training job created while they
    are set (``LocalSageMaker.set_spot_interruptions``; other jobs are never interrupted).

    A job is interrupted ``interruptions`` times: each time once ``after_checkpoints`` uploads
    of its checkpoint directory happened in the current attempt (so an image that checkpoints
    has something to resume from), or ``after_seconds`` into the attempt's Training, whichever
    comes first (0 disables either condition). The container gets SIGTERM, as on a reclaimed
    instance, and the job then waits ``capacity_wait_seconds`` for spot capacity (Pending:
    training time, but not billable time) before it starts again.
    """

    interruptions: int = 1
    after_checkpoints: int = 1
    after_seconds: float = 0.0
    capacity_wait_seconds: float = 2.0

    def __post_init__(self) -> None:
        if self.interruptions < 0 or self.after_checkpoints < 0:
            raise ValueError("interruptions and after_checkpoints must not be negative")
        if self.after_seconds < 0 or self.capacity_wait_seconds < 0:
            raise ValueError("after_seconds and capacity_wait_seconds must not be negative")
        if self.interruptions and not (self.after_checkpoints or self.after_seconds):
            raise ValueError("set after_checkpoints or after_seconds: when to interrupt a job")

    def due(self, checkpoint_uploads: int, training_seconds: float) -> bool:
        """Whether an attempt that uploaded ``checkpoint_uploads`` times and has trained for
        ``training_seconds`` is to be interrupted now."""
        by_checkpoints = 0 < self.after_checkpoints <= checkpoint_uploads
        by_time = 0 < self.after_seconds <= training_seconds
        return by_checkpoints or by_time
