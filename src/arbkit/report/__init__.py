"""Report layer: performance statistics and a self-contained HTML report of a run.

- :mod:`.model`: the frozen rows the engine fills in (:class:`~arbkit.report.model.ReportData`);
- :mod:`.stats` (numpy only) and :mod:`.fills` (exact Decimal): :func:`~arbkit.report.stats.compute_stats`;
- :mod:`.html` with :mod:`.charts` (needs matplotlib, the ``report`` extra):
  :func:`~arbkit.report.html.render_report`;
- :mod:`.demo`: synthetic :class:`ReportData` for demos and tests.

Nothing is imported here, so reading :mod:`.model` or :mod:`.stats` does not load matplotlib.
"""
