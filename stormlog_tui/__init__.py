"""stormlog-tui: a terminal browser for Stormlog GPU-memory telemetry."""

__version__ = "0.1.0"

__all__ = ["__version__"]
