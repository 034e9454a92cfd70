"""Tests of ``stormlog_core.browse``: the tolerant loader and following growing sinks."""
