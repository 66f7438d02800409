"""Test a panel connection before saving it, and say in plain words what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.views.decorators.debug import sensitive_variables

from panels.client import ClientOptions, PanelClient
from panels.errors import PanelError
from panels.formatting import money_text
from panels.netpolicy import network_options
from panels.services.explain import explain_error


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    balance: Decimal | None = None
    currency: str = ""
    detail: str = ""  # the technical reason, for people who want it


@sensitive_variables("api_key")
def panel_connection_test(
    *, api_url: str, api_key: str, options: ClientOptions | None = None
) -> ConnectionCheck:
    """Call `balance` once (no retries) and report the balance or a clear reason."""
    base = options or ClientOptions()
    options = ClientOptions(
        method=base.method, key_field=base.key_field, body=base.body,
        user_agent=base.user_agent, timeout=min(base.timeout, 20.0), retries=0,
        **network_options(),  # type: ignore[arg-type]
    )  # fmt: skip
    try:
        balance = PanelClient(api_url, api_key, options).balance()
    except PanelError as error:
        return ConnectionCheck(
            ok=False, message=explain_error(error, timeout=options.timeout), detail=error.message
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
