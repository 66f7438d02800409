"""What the business earned and whether the panels' balances add up: balance reconciliation,
top-ups, and (with orders' costs and sale prices) profit and reports."""
