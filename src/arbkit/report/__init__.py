"""Report layer: performance statistics and a self-contained HTML report of a run.

- :mod:`.model`: the frozen rows the engine fills in (:class:`~arbkit.report.model.ReportData`);
- :mod:`.summary` and :mod:`.latency`: every statistic, from :mod:`arbkit.stats`
  (:func:`~arbkit.report.summary.compute_report_stats`);
- :mod:`.html` with :mod:`.charts` and :mod:`.plots` (needs matplotlib, the ``report`` extra):
  :func:`~arbkit.report.html.render_report`;
- :mod:`.document`: ``report.json`` beside the HTML, and the HTML re-rendered from it
  (:func:`~arbkit.report.document.write_report_files`, :func:`~arbkit.report.document.render_json_report`).

Nothing is imported here, so reading :mod:`.model` or :mod:`.summary` does not load matplotlib.
"""
