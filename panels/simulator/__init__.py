"""A standalone SMM panel speaking API v2, for the demo, tests and benchmarks.

Standard library only, no Django: `python -m panels.simulator --port 8765`, or from Python::

    handle = start_simulator(state_dir=tmp_path)
    requests.post(handle.api_url(), data={"key": "demo-key", "action": "balance"})
    handle.advance(60)  # move the simulated clock instead of sleeping
    handle.stop()
"""

from .cli import main
from .dialects import DIALECTS
from .faults import FAULT_NAMES
from .runner import SimulatorHandle, start_simulator

DIALECT_NAMES: tuple[str, ...] = tuple(DIALECTS)

__all__ = ["DIALECT_NAMES", "FAULT_NAMES", "SimulatorHandle", "main", "start_simulator"]
