"""POST a JSON body to the actions webhook, with a timeout and retries with backoff (standard library only).

One call is one batch: it is sent until the receiver answers 2xx or the attempts run out. A connection
refused, a timeout, a 5xx, 408 or 429 is retried after a backoff that doubles; any other answer (a 4xx,
or a redirect: urllib would replay a POST as a GET, so none is followed) ends the batch's attempts in
this run. Every attempt of a batch carries the same `Idempotency-Key` header (a hash of the batch's
action ids), so a receiver can recognise a batch it already accepted.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from orchestration import settings

RETRIED_STATUSES = (408, 429)  # and every 5xx
USER_AGENT = "cs-segmentation-actions/1"


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    batch_size: int = 100
    timeout_seconds: float = 10.0
    retries: int = 3
    backoff_seconds: float = 1.0

    @classmethod
    def from_settings(cls) -> WebhookConfig | None:
        """The configured webhook (CS_ACTIONS_WEBHOOK_*), or None when no URL is set."""
        url = settings.actions_webhook_url()
        if url is None:
            return None
        return cls(
            url=url,
            batch_size=max(1, settings.actions_webhook_batch()),
            timeout_seconds=settings.actions_webhook_timeout_seconds(),
            retries=max(0, settings.actions_webhook_retries()),
            backoff_seconds=max(0.0, settings.actions_webhook_backoff_seconds()),
        )

    def display(self) -> str:
        """The URL without path, query or credentials (they may hold a token), for logs and metadata."""
        parts = urlsplit(self.url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"


@dataclass
class PostResult:
    delivered: bool
    failures: list[str] = field(default_factory=list)  # why each failed attempt failed, in order

    @property
    def attempts(self) -> int:
        return len(self.failures) + int(self.delivered)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: the 3xx surfaces as an HTTPError instead of a GET without the body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def idempotency_key(action_ids: Sequence[str]) -> str:
    """The same key for the same set of actions, whatever their order or the attempt."""
    return hashlib.sha256("\n".join(sorted(action_ids)).encode("utf-8")).hexdigest()


def _attempt(config: WebhookConfig, body: bytes, key: str) -> tuple[bool, str | None, bool]:
    """One POST: (accepted, why not, worth retrying)."""
    request = urllib.request.Request(
        config.url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": key, "User-Agent": USER_AGENT},
    )
    try:
        with _opener.open(request, timeout=config.timeout_seconds) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.close()
        return False, f"HTTP {error.code}", error.code >= 500 or error.code in RETRIED_STATUSES
    except urllib.error.URLError as error:  # refused, unknown host, timeout while connecting
        return False, f"{type(error.reason).__name__}: {error.reason}", True
    except (OSError, http.client.HTTPException) as error:  # timeout or reset while reading the answer
        return False, f"{type(error).__name__}: {error}", True
    if 200 <= status < 300:
        return True, None, False
    return False, f"HTTP {status}", False  # e.g. a 1xx or 3xx that reached us as an answer


def post(
    config: WebhookConfig,
    payload: dict[str, Any],
    action_ids: Sequence[str],
) -> PostResult:
    """POST `payload` as JSON until a 2xx, at most 1 + `retries` times, waiting backoff, 2x backoff, ..."""
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    key = idempotency_key(action_ids)
    result = PostResult(delivered=False)
    for attempt in range(config.retries + 1):
        if attempt:
            time.sleep(config.backoff_seconds * 2 ** (attempt - 1))
        accepted, reason, retry = _attempt(config, body, key)
        if accepted:
            result.delivered = True
            return result
        result.failures.append(reason or "failed")
        if not retry:
            break
    return result
