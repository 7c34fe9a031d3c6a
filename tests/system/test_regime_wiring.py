"""The composition root's regime wiring: declarations reach the gate (journaled), monitors must cover gated scripts,
scopes are not shared, the script context reads the board, and a one-sided book is not fed to a monitor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gating_kit import DipBuyer, guard_monitor
from testkit import SPOT_BTC, USDM_BTC, build_engine, default_config, registry, synced_prefix

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.book.order_book import OrderBook
from arbkit.core.errors import ConfigError
from arbkit.regime.guard import DislocationGuard
from arbkit.regime.monitor import RegimeMonitor
from arbkit.regime.vol_features import BarVolSpec
from arbkit.risk.regime_policy import MARKET_SCOPE, RegimePolicy
from arbkit.risk.regime_state import RegimeBoard
from arbkit.scripts.context import BookView
from arbkit.system.kernel import build_backtest_engine
from arbkit.system.regime_feed import RegimeFeed


def engine(journal: Journal, scripts: list[Any], monitors: dict[str, Any] | None = None,
           features: dict[str, Any] | None = None) -> Any:
    config = default_config()
    return build_backtest_engine(instruments=registry(), instrument_ids=[SPOT_BTC, USDM_BTC], risk=config.risk,
                                 sim=config.sim, journal=journal, scripts=scripts, equity_interval_ns=10**9,
                                 regime_monitors=monitors, regime_features=features)


def buyer(instrument_id: str = SPOT_BTC, allowed: frozenset[str] | None = frozenset({"orderly"})) -> DipBuyer:
    return DipBuyer(instrument_id, allowed, clip_lots=registry().get(instrument_id).size_to_lots("0.001"))


def test_gated_script_is_registered_with_the_gate_and_journaled(tmp_path: Path) -> None:
    script = buyer()
    with Journal(tmp_path / "journal.sqlite") as journal:
        built = engine(journal, [lambda: (script, "m")], {SPOT_BTC: guard_monitor(SPOT_BTC)})
        [entry] = [e for e in journal.entries(kind=kinds.CONFIG) if e.payload.get("action") == "set_regime_policy"]
    assert built.path.gate.regime_policy("dip-buyer") == RegimePolicy({"orderly"})
    assert entry.actor == "dip-buyer" and entry.payload["new"] == {"allowed_regimes": ["orderly"],
                                                                    "regime_scopes": []}
    assert built.path.gate.regimes.scopes == (SPOT_BTC,) and built.regimes.instrument_ids() == (SPOT_BTC,)


def test_ungated_script_and_no_monitor_build_the_engine_as_before(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        built = build_engine(default_config(), journal, [lambda: (buyer(allowed=None), "m")])
        assert built.regimes is None and built.path.gate.regime_policy("dip-buyer") is None
        assert journal.count(kinds.REGIME_CHANGE) == 0


def test_gated_script_without_a_covering_monitor_is_refused_at_build(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        with pytest.raises(ConfigError, match=r"script 'dip-buyer' trades only in regimes \{orderly\}, but no regime "
                                              r"monitor covers scope\(s\) \['market'\] \(monitored: "
                                              r"BTCUSDT.BINANCE_USDM\)"):
            engine(journal, [lambda: (buyer(), "m")], {USDM_BTC: guard_monitor(USDM_BTC)})


def test_a_market_monitor_covers_every_instrument_of_a_gated_script(tmp_path: Path) -> None:
    market = RegimeMonitor(MARKET_SCOPE, guard=DislocationGuard())
    script = buyer(USDM_BTC)
    with Journal(tmp_path / "journal.sqlite") as journal:
        built = engine(journal, [lambda: (script, "m")], {SPOT_BTC: market})  # spot's book drives "market"
        built.run(synced_prefix())
    assert built.path.gate.regimes.scopes == (MARKET_SCOPE,)
    assert {d[3] for d in script.decisions} == {None}  # the script's own instrument has no regime of its own
    assert all(d[2].reason_code == "REGIME" and "on market" in d[2].detail for d in script.decisions)


@pytest.mark.parametrize(("monitors", "features", "match"), [
    ({"ETHUSDT.BINANCE_SPOT": "m"}, None, r"regime monitors given for \['ETHUSDT.BINANCE_SPOT'\], which this engine "
                                         r"keeps no book of"),
    ({SPOT_BTC: "market", USDM_BTC: "market"}, None, r"regime scope 'market' has two monitors \(on "
                                                     r"BTCUSDT.BINANCE_SPOT and BTCUSDT.BINANCE_USDM\)"),
    ({SPOT_BTC: "spot"}, {USDM_BTC: "f"}, r"regime feature sources for \['BTCUSDT.BINANCE_USDM'\] have no regime "
                                          r"monitor \(monitored: BTCUSDT.BINANCE_SPOT\)"),
])
def test_inconsistent_regime_wiring_is_a_config_error(tmp_path: Path, monitors: dict[str, str],
                                                      features: dict[str, str] | None, match: str) -> None:
    built_monitors = {i: RegimeMonitor(scope if scope != "spot" else i, guard=DislocationGuard())
                      for i, scope in monitors.items()}
    built_features = {i: BarVolSpec().streaming() for i in features} if features else None
    with Journal(tmp_path / "journal.sqlite") as journal:
        with pytest.raises(ConfigError, match=match):
            engine(journal, [], built_monitors, built_features)


def test_feed_skips_a_one_sided_book_and_feeds_a_two_sided_one(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        board = RegimeBoard(journal)
        feed = RegimeFeed({SPOT_BTC: guard_monitor(SPOT_BTC)}, board, registry())
        book = OrderBook(SPOT_BTC)
        book.apply_snapshot(((6_000_000, 5),), ())
        assert feed.on_book(SPOT_BTC, 1, BookView(book)) is None and feed.updates == 0
        book.apply_snapshot(((6_000_000, 5),), ((6_000_001, 5),))
        assert feed.on_book(SPOT_BTC, 2, BookView(book)) is None and feed.updates == 1
        assert feed.on_book(USDM_BTC, 3, BookView(book)) is None and feed.updates == 1  # no monitor there


def test_script_context_reads_the_current_regime(tmp_path: Path) -> None:
    script = buyer()
    monitor = guard_monitor(SPOT_BTC, warmup_ns=0, warmup_events=2)
    with Journal(tmp_path / "journal.sqlite") as journal:
        built = engine(journal, [lambda: (script, "m")], {SPOT_BTC: monitor})
        built.run(synced_prefix())
        [(_, ctx)] = built.scripts
        assert ctx.regime(SPOT_BTC) == monitor.current == "orderly" and ctx.regime(USDM_BTC) is None
        assert journal.count(kinds.REGIME_CHANGE) == built.path.gate.regimes.change_count == 1
