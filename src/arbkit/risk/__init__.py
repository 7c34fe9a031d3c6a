"""risk layer: the pre-trade risk gate every intent passes, its rules, limits and kill switch."""

from arbkit.risk.config import InstrumentLimits, RiskConfig, load_risk_config
from arbkit.risk.gate import RiskGate
from arbkit.risk.kill_switch import KillSwitch
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.views import ExposureView, MarketView

__all__ = ["ExposureView", "InstrumentLimits", "KillSwitch", "MarketView", "ReasonCode", "RiskConfig", "RiskGate",
           "load_risk_config"]
