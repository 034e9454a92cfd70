"""Tests of ``stormlog_core.testing``: the sink writer and the simulated (demo) job."""
