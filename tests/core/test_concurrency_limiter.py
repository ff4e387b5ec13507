"""maxConcurrency="auto": the adaptive limit's decisions against a simulated endpoint.

The endpoint is a discrete-event model of what the local backend's capacity model does
(``instance_capacity`` in ``smspark_local.service.faults``): ``instances`` model servers, each
serving ``capacity`` requests at once for a seeded-jittered service time, the rest waiting in
a FIFO queue; optionally a front end that throttles requests beyond ``max_concurrent`` (as a
serverless endpoint does past its MaxConcurrency). Time is virtual, so the assertions are on
the limit the controller settles at, never on wall-clock time; the end-to-end counterpart
against the local backend is tests/local/test_adaptive_concurrency.py.
"""

from __future__ import annotations

import heapq
import random
import statistics

import pytest

from smspark_core.executor.concurrency import (
    ALPHA,
    BETA,
    START,
    AdaptiveLimit,
    auto_cap,
    controller_for,
)


def simulate(
    instances: int,
    capacity: int = 1,
    service_s: float = 0.05,
    max_concurrent: int | None = None,
    requests: int = 400,
    cap: int = 10,
    seed: int = 7,
) -> tuple[AdaptiveLimit, list[int]]:
    """Sends ``requests`` back to back through the controller; returns it and the limit
    after each answer."""
    rng = random.Random(seed)
    limiter = AdaptiveLimit(cap)
    now = 0.0
    servers_free = [0.0] * (instances * capacity)  # when each serving slot frees up
    events: list[tuple[float, int, str, int, float]] = []  # (time, seq, kind, epoch, sent)
    waiting_retries: list[float] = []  # times at which a throttled request is sent again
    in_service = 0
    seq = 0
    answered = 0
    to_send = requests
    limits = []

    def send(at: float) -> None:
        nonlocal seq, in_service
        epoch = limiter.acquire()  # never blocks: called only below the limit
        seq += 1
        if max_concurrent is not None and in_service >= max_concurrent:
            heapq.heappush(events, (at + 0.001, seq, "throttled", epoch, at))
            return
        in_service += 1
        slot = min(range(len(servers_free)), key=servers_free.__getitem__)
        start = max(at, servers_free[slot])
        servers_free[slot] = start + service_s * rng.uniform(0.9, 1.1)
        heapq.heappush(events, (servers_free[slot], seq, "answered", epoch, at))

    def fill() -> None:
        nonlocal to_send
        while limiter._in_flight < limiter.limit and (waiting_retries or to_send):
            if waiting_retries and waiting_retries[0] <= now:
                heapq.heappop(waiting_retries)
            elif to_send:
                to_send -= 1
            else:
                break
            send(now)

    fill()
    while answered < requests:
        if not events:  # only retries waiting for their backoff
            now = waiting_retries[0]
            fill()
            continue
        now, _, kind, epoch, sent = heapq.heappop(events)
        if kind == "answered":
            in_service -= 1
            answered += 1
            limiter.on_success(now - sent, 5 * 1024 * 1024)
        else:
            limiter.on_throttle(epoch)
            heapq.heappush(waiting_retries, now + 0.01)
        limiter.release()
        limits.append(limiter.limit)
        fill()
    return limiter, limits


@pytest.mark.parametrize("instances", [1, 2, 4])
def test_the_limit_settles_just_past_the_endpoints_capacity(instances):
    """From its start, the limit grows until requests queue (or falls when they do), then
    holds a request or a few past what the instances serve at once: every instance busy, no
    growing queue."""
    limiter, limits = simulate(instances)
    settled = limits[len(limits) // 2 :]
    print(f"{instances} instances: limit {statistics.mean(settled):.1f}, path {limiter.path}")
    assert limits[0] <= START + 1
    assert instances <= min(settled) and max(settled) <= instances + BETA + 1
    assert limiter.path.peak <= instances + 2 * BETA + 1  # slow start overshoots by little


def test_more_instances_take_more_requests_in_flight():
    settled = {
        n: statistics.mean(simulate(n, capacity=2)[1][200:]) for n in (1, 2, 4)
    }  # fmt: skip
    assert settled[1] < settled[2] < settled[4]


def test_an_endpoint_that_never_queues_gets_the_cap():
    """Unlimited capacity (latency flat whatever the load): the limit climbs to the cap."""
    limiter, limits = simulate(instances=64, cap=10)
    assert limits[-1] == 10 and limiter.path.low == START


def test_throttling_halves_the_limit_once_per_round():
    """A front end that throttles past 4 concurrent requests: AIMD keeps the limit around
    it (halved at each round of throttling, grown back one per round trip), and a burst of
    throttled requests sent together costs one cut, not a collapse to 1."""
    limiter, limits = simulate(instances=8, max_concurrent=4, requests=600)
    settled = limits[len(limits) // 2 :]
    print(f"throttled past 4: mean limit {statistics.mean(settled):.1f}, path {limiter.path}")
    assert limiter.path.throttle_cuts >= 3
    assert 2 <= statistics.mean(settled) <= 4 + ALPHA + 1
    assert min(settled) >= 2  # 5 or 6 halved, never driven to 1


def test_a_cut_is_made_once_for_the_requests_sent_before_it():
    limiter = AdaptiveLimit(cap=10, start=8)
    epochs = [limiter.acquire() for _ in range(8)]
    for epoch in epochs:
        limiter.on_throttle(epoch)
        limiter.release()
    assert limiter.limit == 4 and limiter.path.throttle_cuts == 1
    limiter.on_throttle(limiter.acquire())  # sent after the cut: cut again
    assert limiter.limit == 2 and limiter.path.throttle_cuts == 2


def test_a_limit_not_used_is_not_grown():
    """While fewer requests are ready than the limit allows, flat latency proves nothing:
    one request at a time grows the limit to one place past what was used, no further."""
    limiter = AdaptiveLimit(cap=10, start=1)
    for _ in range(50):
        limiter.acquire()
        limiter.on_success(0.05, 1000)
        limiter.release()
    assert limiter.limit == 3


def test_the_cap_bounds_memory_and_connections():
    assert auto_cap(5 * 1024 * 1024) == 10  # botocore's pool of 10 connections
    assert auto_cap(6 * 1024 * 1024) == 10
    assert auto_cap(64 * 1024 * 1024) == 1  # (not a valid request size: the bound's shape)
    with pytest.raises(ValueError, match="cap must be >= 1"):
        AdaptiveLimit(0)


def test_tasks_of_one_transform_share_a_controller_and_a_new_transform_starts_afresh():
    first = controller_for("endpoint-a", "transform-1", 10)
    assert controller_for("endpoint-a", "transform-1", 10) is first
    assert controller_for("endpoint-a", "transform-2", 10) is not first
    assert controller_for("endpoint-b", "transform-1", 10) is not first
