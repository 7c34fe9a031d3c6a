"""risk layer: the pre-trade risk gate every intent passes, its rules, limits and kill switch."""

from arbkit.risk.config import InstrumentLimits, RiskConfig, load_risk_config
from arbkit.risk.flow_config import (
                                     DuplicatesConfig,
                                     FillThrottle,
                                     InstrumentPermissions,
                                     MessageLimit,
                                     MessagesConfig,
                                     RestrictionsConfig,
                                     ThrottleConfig,
)
from arbkit.risk.gate import RiskGate
from arbkit.risk.kill_switch import KillSwitch
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.regime_policy import MARKET_SCOPE, RegimePolicy, policy_of
from arbkit.risk.regime_state import RegimeBoard
from arbkit.risk.views import ExposureView, MarketView

__all__ = ["MARKET_SCOPE", "DuplicatesConfig", "ExposureView", "FillThrottle", "InstrumentLimits",
           "InstrumentPermissions", "KillSwitch", "MarketView", "MessageLimit", "MessagesConfig", "ReasonCode",
           "RegimeBoard", "RegimePolicy", "RestrictionsConfig", "RiskConfig", "RiskGate", "ThrottleConfig",
           "load_risk_config", "policy_of"]
