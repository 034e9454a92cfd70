"""Tests of ``stormlog_core.telemetry``: the stormlog 0.3.9 API, against the reference."""
