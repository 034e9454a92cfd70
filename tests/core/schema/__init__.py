"""Tests of ``stormlog_core.schema``: record validation and its messages."""
