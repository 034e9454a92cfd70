"""Writing telemetry in stormlog's on-disk format: a sink writer and a simulated job (for
tests, benchmarks and the live demo; never used to read)."""
