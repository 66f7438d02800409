"""Whether the panels' balances add up: balance readings against orders' charges, refunds and
top-ups."""
