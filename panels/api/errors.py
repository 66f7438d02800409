"""What can go wrong when talking to a panel, as one hierarchy (no Django imports).

    PanelError                      base; `permanent` says whether trying again can help
    ├── BadApiKey                   the panel refused the key: permanent for the panel
    ├── PanelRejected               an in-band {"error": ...}: the panel's text + a mapped reason
    ├── PanelHttpError              an HTTP 4xx that means the request was refused (wrong URL...)
    ├── TransientError              try again later: nothing was done by the panel
    │   ├── PanelUnreachable        the connection never opened: the request never left
    │   ├── RequestNotSent          the request could not even be built: nothing was sent
    │   ├── RateLimited             HTTP 429
    │   └── PanelUnavailable        5xx, timeout, or a body that is not the JSON answer (reads)
    └── OutcomeUnknown              a write (add, refill, cancel) may have reached the panel and
                                    no usable answer came back: never resend it automatically

Messages never contain the API key: the client builds them from its own words and the panel's
answer, and scrubs the key out of anything it quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class Reason:
    """Why a panel rejected a request, mapped from its (loosely matched) error text."""

    BAD_KEY = "bad_key"
    INCORRECT_REQUEST = "incorrect_request"
    INCORRECT_ORDER_ID = "incorrect_order_id"
    INCORRECT_SERVICE_ID = "incorrect_service_id"
    NOT_ENOUGH_FUNDS = "not_enough_funds"
    LINK_DUPLICATE = "link_duplicate"
    BAD_LINK = "bad_link"
    MIN_QUANTITY = "min_quantity"
    MAX_QUANTITY = "max_quantity"
    REFILL_NOT_FOUND = "refill_not_found"
    MISSING = "missing"
    OUTCOME_UNKNOWN = "outcome_unknown"  # a write may have reached the panel; no answer
    NOT_SENT = "not_sent"  # the request did not get through; safe to try again
    UNKNOWN = "unknown"


# (reason, patterns matched against the lower-cased text with "_" and "." read as spaces,
#  message for people). Order matters: the first match wins.
_REASONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        Reason.BAD_KEY,
        ("invalid api key", "incorrect api key", "wrong api key", "invalid key", "api key"),
        "The panel refused the API key. Check the key in the panel's settings.",
    ),
    (
        Reason.LINK_DUPLICATE,
        ("active order with this link", "link duplicate"),
        "The panel already has an active order for this link. Try again when it has finished.",
    ),
    (
        Reason.NOT_ENOUGH_FUNDS,
        ("not enough funds", "not enough balance", "insufficient"),
        "Not enough funds on the panel's balance.",
    ),
    (
        Reason.INCORRECT_SERVICE_ID,
        ("incorrect service id", "service not found", "invalid service"),
        "The panel no longer offers this service. Its catalog will be synced again.",
    ),
    (
        Reason.MIN_QUANTITY,
        ("quantity less than", "min quantity", "minimal"),
        "The quantity is below the service's minimum.",
    ),
    (
        Reason.MAX_QUANTITY,
        ("quantity more than", "max quantity", "maximum"),
        "The quantity is above the service's maximum.",
    ),
    (
        Reason.INCORRECT_ORDER_ID,
        ("incorrect order id", "order not found", "invalid order id"),
        "The panel does not know this order id.",
    ),
    (
        Reason.REFILL_NOT_FOUND,
        ("refill not found", "incorrect refill id"),
        "The panel does not know this refill id.",
    ),
    (
        Reason.BAD_LINK,
        ("neworder error link", "incorrect link", "invalid link", "bad link"),
        "The panel refused the link.",
    ),
    (
        Reason.INCORRECT_REQUEST,
        ("incorrect request", "request invalid", "invalid request", "incorrect action"),
        "The panel refused the request (it may not support this action or these fields).",
    ),
)

REASON_MESSAGES: dict[str, str] = {reason: message for reason, _, message in _REASONS}
REASON_MESSAGES[Reason.MISSING] = "The panel's answer did not mention this item."
REASON_MESSAGES[Reason.OUTCOME_UNKNOWN] = (
    "No answer came back; the panel may have done it. Check on the panel."
)
REASON_MESSAGES[Reason.NOT_SENT] = "The request did not get through; it can be tried again."
REASON_MESSAGES[Reason.UNKNOWN] = "The panel refused the request."


def reason_for(text: str) -> str:
    """Map a panel's error text (or translation key) to a Reason, loosely."""
    key = re.sub(r"[\s_.\-]+", " ", text.lower()).strip()
    for reason, patterns, _ in _REASONS:
        if any(pattern in key for pattern in patterns):
            return reason
    return Reason.UNKNOWN


@dataclass(frozen=True, slots=True)
class ItemError:
    """A per-item error inside a batch answer: data about that item, not a failed call."""

    text: str
    reason: str

    @classmethod
    def from_text(cls, text: str) -> ItemError:
        return cls(text=text, reason=reason_for(text))

    @property
    def message(self) -> str:
        """What to show a person: our clear words for known reasons, else the panel's own."""
        if self.reason == Reason.UNKNOWN:
            return self.text
        return REASON_MESSAGES[self.reason]


class Cause:
    """What went wrong underneath, for messages that tell people what to fix."""

    CONNECT = "connect"  # refused, DNS, connect timeout
    TIMEOUT = "timeout"  # no answer in time
    TLS = "tls"  # certificate or handshake trouble
    DROPPED = "dropped"  # the connection broke mid-answer
    HTTP = "http"  # an HTTP status that is not an answer (4xx, 5xx, 3xx)
    NOT_JSON = "not_json"  # an HTML page, an empty or truncated body
    CLOUDFLARE = "cloudflare"  # a Cloudflare check page instead of the API
    SHAPE = "shape"  # JSON, but not the shape of this action's answer
    REJECTED = "rejected"  # an in-band {"error": ...}
    REFUSED_ADDRESS = "refused_address"  # plain http or a private address where not allowed
    TOO_LARGE = "too_large"  # the answer was larger than the client accepts


class PanelError(Exception):
    """Base of every error the client raises."""

    permanent = False

    def __init__(
        self,
        message: str,
        *,
        action: str = "",
        http_status: int | None = None,
        cause: str = "",
        answer: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.action = action
        self.http_status = http_status
        self.cause = cause
        # The panel's answer as text (capped, key scrubbed), when one came back.
        self.answer = answer


class BadApiKey(PanelError):
    permanent = True
    reason = Reason.BAD_KEY


class PanelRejected(PanelError):
    """The panel answered {"error": text}. `text` is the panel's, `message` is ours if known."""

    permanent = True

    def __init__(self, text: str, *, action: str = "", http_status: int | None = None):
        self.text = text
        self.reason = reason_for(text)
        known = REASON_MESSAGES.get(self.reason) if self.reason != Reason.UNKNOWN else None
        super().__init__(
            known or text, action=action, http_status=http_status, cause=Cause.REJECTED
        )


class PanelHttpError(PanelError):
    """An HTTP 4xx refusal (wrong URL, blocked user agent...). Settings must change first."""

    permanent = True


class AddressRefused(PanelError):
    """The API URL is plain http or reaches a private address where that is not allowed.

    Refused before anything is sent; the panel's URL (or the deployment's settings) must change.
    """

    permanent = True

    def __init__(self, message: str, *, action: str = ""):
        super().__init__(message, action=action, cause=Cause.REFUSED_ADDRESS)


class TransientError(PanelError):
    """Nothing was done by the panel that we know of; the same call may work later."""

    retry_after: float | None = None


class PanelUnreachable(TransientError):
    """The connection never opened (refused, DNS, connect timeout): the request never left."""


class RequestNotSent(TransientError):
    """The request could not be built (a header or URL that cannot be sent): nothing left."""


class RateLimited(TransientError):
    """HTTP 429: the panel turned the request away before handling it."""

    def __init__(self, message: str, *, action: str = "", retry_after: float | None = None):
        super().__init__(message, action=action, http_status=429, cause=Cause.HTTP)
        self.retry_after = retry_after


class PanelUnavailable(TransientError):
    """5xx, a read timeout, a dropped connection or a body that is not the JSON answer."""


class OutcomeUnknown(PanelError):
    """A write may have reached the panel but no usable answer came back.

    For `add` nobody can tell from the API whether the order exists: a person must check the
    panel and resolve it. Resending could buy the same thing twice.
    """

    permanent = True
