"""QuantConnect Lean data files: FX tick quotes, US equity ticks (per exchange, NBBO) and crypto minute bars.

Every reader returns a :class:`~arbkit.data.schema.TickFrame`; see ``docs/data-sources-lean.md``.
"""
