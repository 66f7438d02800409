"""Test a panel connection before saving it, and say in plain words what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.views.decorators.debug import sensitive_variables

from core.money import money_text
from panels.api.client import PanelClient
from panels.api.errors import PanelError
from panels.api.options import ClientOptions
from panels.models import Panel
from panels.netpolicy import network_options
from panels.services.balance import balance_store
from panels.services.explain import explain_error
from panels.services.panel import panel_mark_failing, panel_note_problem


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    balance: Decimal | None = None
    currency: str = ""
    detail: str = ""  # the technical reason, for people who want it
    error: PanelError | None = field(default=None, compare=False, repr=False)


@sensitive_variables("api_key")
def panel_connection_test(
    *, api_url: str, api_key: str, options: ClientOptions | None = None
) -> ConnectionCheck:
    """Call `balance` once (no retries) and report the balance or a clear reason."""
    base = options or ClientOptions()
    options = ClientOptions(
        method=base.method,
        key_field=base.key_field,
        body=base.body,
        user_agent=base.user_agent,
        timeout=min(base.timeout, 20.0),
        retries=0,
        **network_options(),  # type: ignore[arg-type]
    )
    try:
        balance = PanelClient(api_url, api_key, options).balance()
    except PanelError as error:
        return ConnectionCheck(
            ok=False,
            message=explain_error(error, timeout=options.timeout),
            detail=error.message,
            error=error,
        )
    if balance.amount is None:
        return ConnectionCheck(
            ok=True, message=f"Connected, but its balance cannot be used: {balance.problem}."
        )
    currency = balance.currency or "?"
    return ConnectionCheck(
        ok=True,
        message=f"Connected. Balance: {money_text(balance.amount)} {currency}.",
        balance=balance.amount,
        currency=balance.currency,
    )


def panel_record_check(*, panel: Panel, check: ConnectionCheck) -> None:
    """Keep what a connection test of this panel's saved settings has just learnt: its
    balance and currency, or why it failed, so nothing waits for the next scheduled check."""
    if check.balance is not None:
        balance_store(panel=panel, amount=check.balance, currency=check.currency)
    elif check.ok:
        panel_note_problem(panel=panel, message=check.message)
    else:
        panel_mark_failing(panel=panel, error=check.error or Exception(check.message))
