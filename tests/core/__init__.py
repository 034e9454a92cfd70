"""Core tests, one folder per layer of ``stormlog_core`` (schema, telemetry, browse, ...)."""
