"""Tests of ``stormlog_core.analysis``: jobs, rank statistics and divergence."""
