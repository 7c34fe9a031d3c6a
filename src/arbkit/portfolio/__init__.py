"""portfolio layer: positions, PnL and fees from fills, in exact arithmetic."""

from arbkit.portfolio.portfolio import Portfolio, PortfolioError, PositionRow
from arbkit.portfolio.position import Position

__all__ = ["Portfolio", "PortfolioError", "Position", "PositionRow"]
