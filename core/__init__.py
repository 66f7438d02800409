"""Helpers any app may use: query strings, log context, JSON values, bulk updates, money
formatting, the htmx request type. Nothing here imports an app."""
