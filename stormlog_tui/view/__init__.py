"""The app's view layer, without Textual: what the screens show, prepared from core's data.

Rows for the tables (``rows/``), the sessions put together for the job screen
(``detail_group``), the chart's data (``chart_data``, ``ticks``, ``time_window``), colours
(``palette``) and text: ``safe_text`` and ``formats`` are plain strings (``--summary`` uses
them too), ``literal`` makes Rich ``Text`` for table cells. This package imports nothing on
its own, so importing one module does not pull in Rich.
"""
