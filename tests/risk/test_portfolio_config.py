"""The optional [portfolio] table of the risk config: defaults off, typed errors naming the field."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal

import pytest
from testkit import REPO_ROOT

from arbkit.core.errors import ConfigError
from arbkit.risk.config import RiskConfig
from arbkit.risk.portfolio_config import PortfolioLimits


def test_absent_portfolio_table_sets_no_limit() -> None:
    config = RiskConfig.from_toml_dict({})
    assert config.portfolio == PortfolioLimits()
    assert config.portfolio.max_account_gross_notional_usd is None and config.portfolio.var is None


def test_full_portfolio_table_is_exact_and_typed() -> None:
    config = RiskConfig.from_toml_dict({"portfolio": {
        "max_account_gross_notional_usd": 250000, "max_script_gross_notional_usd": 0.1, "scripts": {"s1": "5000"},
        "account_equity_usd": 50000, "max_leverage": 2.5, "sectors": {"BTCUSDT.BINANCE_SPOT": "btc"},
        "max_sector_gross_notional_usd": {"btc": 100000},
        "correlation": {"max_correlation": 0.9, "max_concentration": 0.6},
        "var": {"confidence": 0.95, "horizon_intervals": 10, "max_parametric_var_usd": 2000,
                "max_historical_var_usd": 2500, "min_history": 50}}})
    p = config.portfolio
    assert p.max_script_gross_notional_usd == Decimal("0.1") and p.script_limit("s1") == Decimal(5000)
    assert p.script_limit("other") == Decimal("0.1") and p.max_leverage == Decimal("2.5")
    assert p.var is not None and p.var.confidence == Decimal("0.95") and p.var.horizon_intervals == 10


@pytest.mark.parametrize(("table", "field"), [
    ({"max_account_gross_notional_usd": 0}, "max_account_gross_notional_usd"),
    ({"max_script_gross_notional_usd": "-1"}, "max_script_gross_notional_usd"),
    ({"scripts": {"s1": 0}}, "scripts.s1"),
    ({"max_leverage": 2}, "account_equity_usd"),
    ({"account_equity_usd": "nan"}, "account_equity_usd"),
    ({"sectors": {"X": "btc"}, "max_sector_gross_notional_usd": {"eth": 1}}, "max_sector_gross_notional_usd"),
    ({"correlation": {"max_correlation": "1.5", "max_concentration": "0.5"}}, "max_correlation"),
    ({"correlation": {"max_correlation": "0.5"}}, "max_concentration"),
    ({"var": {"confidence": 1}}, "confidence"),
    ({"var": {"horizon_intervals": 0}}, "horizon_intervals"),
    ({"var": {"max_parametric_var_usd": 0}}, "max_parametric_var_usd"),
    ({"max_levrage": 2}, "max_levrage"),
])
def test_bad_portfolio_setting_raises_config_error_naming_the_field(table: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=rf"portfolio.*{field}"):
        RiskConfig.from_toml_dict({"portfolio": table})


def test_portfolio_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match="portfolio must be a table"):
        RiskConfig.from_toml_dict({"portfolio": 3})


def test_portfolio_example_in_the_risk_doc_loads() -> None:
    doc = (REPO_ROOT / "docs" / "risk.md").read_text(encoding="utf-8")
    [example] = [b for b in re.findall(r"```text\n(.*?)```", doc, flags=re.DOTALL) if "[portfolio]" in b]
    config = RiskConfig.from_toml_dict(tomllib.loads(example))
    assert config.portfolio.script_limit("dip") == Decimal(50000)
    assert config.portfolio.var is not None and config.portfolio.var.max_historical_var_usd == Decimal(6000)
