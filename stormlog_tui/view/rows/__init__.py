"""One row type per table, built from core's data: sessions, jobs, ranks and events."""
