"""DRF throttles whose counters are atomic in the cache and fail open when it is unreachable."""

from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from .cache import counter_hit


class AtomicRateThrottle(SimpleRateThrottle):
    """SimpleRateThrottle's rates, scopes and keys, counted with one increment in a fixed window.

    DRF's own reads the history, then writes it back: concurrent requests all read the
    same count and all pass. An unreachable cache lets the request through: throttling
    protects the service, it must not be what takes bookings down.
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        hit = counter_hit(self.key, window=self.duration, now=self.timer())
        if hit is None:
            return True
        count, self.seconds_left = hit
        return count <= self.num_requests

    def wait(self):
        return max(self.seconds_left, 1)


class ScopedThrottle(ScopedRateThrottle, AtomicRateThrottle):
    """DRF's ScopedRateThrottle (the view's ``throttle_scope``), counted atomically."""
