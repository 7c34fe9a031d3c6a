"""arbkit: a platform for machine-learning arbitrage scripts, from recorded data to a risk-checked venue.

The package follows the path of one tick: ``adapters`` parse venue data, ``data`` replays it,
``book`` keeps the L2 order book, ``features`` turn books into numbers, ``models`` turn numbers into
predictions, ``scripts`` turn predictions into order intents, ``risk`` decides whether an intent may
become an order, ``oms`` tracks orders, ``sim`` fills them, ``portfolio`` accounts for fills and
``audit`` journals every step. ``system.kernel`` is the one place that wires them together.
"""

__version__ = "0.1.0"
