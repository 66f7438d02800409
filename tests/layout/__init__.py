"""Tests of the layout itself: layers, module sizes, where test data lives."""

# The project's own packages, bottom layer first.
PACKAGES = (
    "core",
    "currency",
    "panels",
    "orders",
    "ledger",
    "reports",
    "overview",
    "dashboard",
    "simulator",
)
