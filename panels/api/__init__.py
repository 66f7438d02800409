"""The API v2 client, without Django: one request to a panel (transport, deadline, address
rules), its answers read entry by entry (results, normalise), its errors and order types."""
