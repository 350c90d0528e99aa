"""Sphinx extension: a link check that always ends (linkcheck builder only).

Sphinx 7.4's link checker obeys any ``Retry-After`` a server sends with a 429
answer: ``Retry-After: 100000`` (or an HTTP date a year away) makes
``make linkcheck`` wait for days, and ``Retry-After: 1`` on every answer
makes it retry for ever. (``linkcheck_rate_limit_timeout`` only bounds the
back-off used when there is no ``Retry-After``.) With this extension:

* a wait is never longer than ``bookkit_linkcheck_retry_after_max`` seconds
  (a longer ``Retry-After`` is cut to it);
* one URL is retried after a 429 at most ``bookkit_linkcheck_max_rate_limited``
  times; then it is reported broken with its 429 (``make linkcheck`` lists it
  by file and line), so a hostile or overloaded server costs at most
  ``max * retry_after_max`` seconds.

It patches ``HyperlinkAvailabilityCheckWorker.limit_rate`` when (and only
when) the linkcheck builder starts; other builders are untouched. The whole
run is also capped by ``make linkcheck`` (``timeout``) and by the workflow's
``timeout-minutes``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from urllib.parse import urlsplit

from sphinx.application import Sphinx


def bound_limit_rate(app: Sphinx) -> None:
    if app.builder.name != "linkcheck":
        return
    from sphinx.builders import linkcheck

    worker = linkcheck.HyperlinkAvailabilityCheckWorker
    original = getattr(worker.limit_rate, "bookkit_original", worker.limit_rate)
    cap = float(app.config.bookkit_linkcheck_retry_after_max)
    most = int(app.config.bookkit_linkcheck_max_rate_limited)
    hits: Counter[str] = Counter()
    lock = threading.Lock()

    def limit_rate(self, response_url: str, retry_after: str | None) -> float | None:
        with lock:
            hits[response_url] += 1
            if hits[response_url] > most:
                return None  # Sphinx reports the link broken, with its 429
        next_check = original(self, response_url, retry_after)
        if next_check is None:
            return None
        capped = min(next_check, time.time() + cap)
        # The workers re-read the host's wait from rate_limits: cap it there too.
        netloc = urlsplit(response_url).netloc
        if netloc in self.rate_limits:
            self.rate_limits[netloc] = linkcheck.RateLimit(min(self.rate_limits[netloc].delay, cap), capped)
        return capped

    limit_rate.bookkit_original = original  # type: ignore[attr-defined]
    worker.limit_rate = limit_rate  # type: ignore[method-assign]


def setup(app: Sphinx) -> dict:
    app.add_config_value("bookkit_linkcheck_retry_after_max", 60, "", [int, float])
    app.add_config_value("bookkit_linkcheck_max_rate_limited", 3, "", [int])
    app.connect("builder-inited", bound_limit_rate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
