"""The metrics a chart can show: what the config file, the keys and the chart agree on
(no numpy here: ``--summary`` reads the config without loading the chart code)."""

from __future__ import annotations

#: Each metric's counter.
METRICS = {
    "allocated": "allocator_allocated_bytes",
    "reserved": "allocator_reserved_bytes",
    "used": "device_used_bytes",
}
#: How each metric is named on screen.
METRIC_LABELS = {"allocated": "allocated", "reserved": "reserved", "used": "device used"}
