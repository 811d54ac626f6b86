"""Heroku-like rate limiting (`--requests-per-minute N`; off by default): each model's requests counted
over a one-minute sliding window, a request over the limit answered 429 with Heroku's error body
(type rate_limit_error), `retry-after` and the x-ratelimit-{limit,remaining,reset}-{requests,tokens}
headers of Heroku's draft docs (reset as a duration, `51s`). Only requests are limited: the token
headers say a budget no answer here comes near. Break switch `no-back-off`: a 429 says nothing
about when to try again (no retry-after, no reset header)."""
import math
import time
from collections import defaultdict, deque

WINDOW = 60.0  # seconds: Heroku's one-minute sliding window
TOKENS_PER_MINUTE = 800_000  # the reference server's choice: Heroku's pages give no token figure
# Headers that say when to try again: what `no-back-off` leaves out.
BACK_OFF = ("retry-after", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")


class RateLimiter:
    def __init__(self, requests_per_minute: int, clock=None):
        self.limit, self.clock = requests_per_minute, clock or time.monotonic  # a test's clock, or the real one
        self.sent: dict[str, deque] = defaultdict(deque)  # model -> when each request of the window came

    def admit(self, model: str, breaks: frozenset[str] = frozenset()) -> tuple[bool, dict]:
        """(admitted, the rate-limit headers of its answer). A request over the limit is not counted."""
        now, sent = self.clock(), self.sent[model]
        while sent and sent[0] <= now - WINDOW:
            sent.popleft()
        admitted = len(sent) < self.limit
        if admitted:
            sent.append(now)
        reset = max(0.0, sent[0] + WINDOW - now) if sent else 0.0
        headers = {
            "x-ratelimit-limit-requests": str(self.limit),
            "x-ratelimit-remaining-requests": str(self.limit - len(sent)),
            "x-ratelimit-reset-requests": f"{math.ceil(reset)}s",
            "x-ratelimit-limit-tokens": str(TOKENS_PER_MINUTE),
            "x-ratelimit-remaining-tokens": str(TOKENS_PER_MINUTE),
            "x-ratelimit-reset-tokens": "0s",
        }
        if not admitted:
            headers["retry-after"] = str(max(1, math.ceil(reset)))
            if "no-back-off" in breaks:
                headers = {k: v for k, v in headers.items() if k not in BACK_OFF}
        return admitted, headers
