"""The base currency and exchange rates: what an amount in a panel's currency is worth in the
base currency on a given day, and from which day's rate."""
