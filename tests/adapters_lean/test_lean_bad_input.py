"""Malformed Lean and pairs files: every problem is a MalformedMessageError naming the file and the row.

Each case starts from REAL rows of the shared files and mutates one of them (hypothesis picks the
row and the mutation), or damages the file itself (truncated zip, another timestamp unit).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arbkit.adapters.lean.crypto_bars import read_minute_bars
from arbkit.adapters.lean.equity_ticks import read_equity_quotes, read_equity_trades
from arbkit.adapters.lean.fx_quotes import read_fx_quotes
from arbkit.adapters.pairs.daily import read_lean_daily, read_pairs_csv
from arbkit.core.errors import MalformedMessageError
from testkit import shared_file

HEAD_ROWS = 200
FAMILIES: dict[str, tuple[str, str, Callable[[Path], object]]] = {
    "fx": ("fx_eurusd_fxcm_vs_oanda_tick_2014-05", "fxcm_eurusd_20140505_tick_quote.zip", read_fx_quotes),
    "equity_quote": ("us_equity_tick_multi_exchange_2013-10-08", "bac_20131008_tick_quote.zip", read_equity_quotes),
    "equity_trade": ("us_equity_tick_multi_exchange_2013-10-08", "bac_20131008_tick_trade.zip", read_equity_trades),
    "crypto_quote": ("crypto_btc_minute_multi_venue_2022-12-13", "bybit_linear_btcusdt_perp_20221213_minute_quote.zip",
                     read_minute_bars),
    "lean_daily": ("pairs_daily", "lean_bno_daily.zip", read_lean_daily),
}
MUTATIONS = ("drop_column", "extra_column", "non_numeric", "negative", "zero_price", "ms_out_of_range")


def real_rows(folder: str, name: str) -> list[str]:
    """The first rows of a real zipped Lean CSV."""
    with zipfile.ZipFile(shared_file(folder, name)) as archive:
        text = archive.read(archive.namelist()[0]).decode()
    return text.splitlines()[:HEAD_ROWS]


def write_zip(path: Path, rows: list[str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.csv", "\r\n".join(rows) + "\r\n")
    return path


def mutate(row: str, mutation: str, column: int) -> str:
    cells = row.split(",")
    column %= len(cells)
    if mutation == "drop_column":
        del cells[column]
    elif mutation == "extra_column":
        cells.append("1")
    elif mutation == "non_numeric":
        cells[column] = "x1"
    elif mutation == "negative":
        cells[column] = "-" + cells[column]
    elif mutation == "zero_price":
        cells[1] = "0"
        if len(cells) in (8,):  # equity quote: zero both sides
            cells[3] = "0"
    elif mutation == "ms_out_of_range":
        cells[0] = "86400000"
    return ",".join(cells)


@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_real_row_raises_only_malformed_message_naming_file_and_row(
        family: str, data: st.DataObject, tmp_path: Path) -> None:
    folder, name, reader = FAMILIES[family]
    rows = real_rows(folder, name)
    index = data.draw(st.integers(0, len(rows) - 1), label="row")
    mutation = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    column = data.draw(st.integers(0, 10), label="column")
    if family == "lean_daily" and mutation == "ms_out_of_range":
        mutation = "non_numeric"
    rows[index] = mutate(rows[index], mutation, column)
    path = write_zip(tmp_path / name, rows)
    try:
        reader(path)
    except MalformedMessageError as exc:
        assert exc.source == name
        assert 1 <= exc.line <= len(rows)
        assert name in str(exc)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.integers(0, 74), mutation=st.sampled_from(["drop", "extra", "text", "date"]))
def test_mutated_pairs_csv_row_raises_malformed_message_naming_the_data_row(
        row: int, mutation: str, tmp_path: Path) -> None:
    lines = shared_file("pairs_daily", "arbitragelab_gld_gdx_data.csv").read_text().splitlines()
    cells = lines[row + 1].split(",")
    if mutation == "drop":
        cells.pop()
    elif mutation == "extra":
        cells.append("1.0")
    elif mutation == "text":
        cells[1] = "abc"
    else:
        cells[0] = "2015-13-45"
    lines[row + 1] = ",".join(cells)
    path = tmp_path / "arbitragelab_gld_gdx_data.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(MalformedMessageError) as caught:
        read_pairs_csv(path)
    assert caught.value.line == row + 1 and caught.value.source == path.name


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_truncated_zip_raises_malformed_message(family: str, tmp_path: Path) -> None:
    folder, name, reader = FAMILIES[family]
    data = shared_file(folder, name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MalformedMessageError, match="unreadable zip") as caught:
        reader(path)
    assert caught.value.line == 0


def test_fx_row_with_wrong_column_count_names_the_row(tmp_path: Path) -> None:
    rows = real_rows(*FAMILIES["fx"][:2])
    rows[41] += ",1.38760"
    with pytest.raises(MalformedMessageError, match="expected 3 columns") as caught:
        read_fx_quotes(write_zip(tmp_path / FAMILIES["fx"][1], rows))
    assert caught.value.line == 42


def test_fx_epoch_ms_timestamps_are_refused_not_rescaled(tmp_path: Path) -> None:
    rows = real_rows(*FAMILIES["fx"][:2])
    epoch_day_ms = 1_399_248_000_000 + 5 * 3_600_000
    rows = [f"{int(r.split(',')[0]) + epoch_day_ms},{r.split(',', 1)[1]}" for r in rows]
    with pytest.raises(MalformedMessageError, match="looks like epoch ms") as caught:
        read_fx_quotes(write_zip(tmp_path / FAMILIES["fx"][1], rows))
    assert caught.value.line == 1


def test_fx_seconds_since_midnight_are_refused_not_rescaled(tmp_path: Path) -> None:
    rows = real_rows(*FAMILIES["fx"][:2])
    rows = [f"{int(r.split(',')[0]) // 1000},{r.split(',', 1)[1]}" for r in rows]
    with pytest.raises(MalformedMessageError, match="look like seconds since midnight"):
        read_fx_quotes(write_zip(tmp_path / FAMILIES["fx"][1], rows))


def test_fx_non_positive_price_names_the_row(tmp_path: Path) -> None:
    rows = real_rows(*FAMILIES["fx"][:2])
    rows[9] = rows[9].split(",")[0] + ",0.00000,1.38760"
    with pytest.raises(MalformedMessageError, match="price must be > 0") as caught:
        read_fx_quotes(write_zip(tmp_path / FAMILIES["fx"][1], rows))
    assert caught.value.line == 10


def test_equity_unknown_exchange_code_names_the_row(tmp_path: Path) -> None:
    rows = real_rows(*FAMILIES["equity_trade"][:2])
    cells = rows[4].split(",")
    cells[3] = "?"
    rows[4] = ",".join(cells)
    with pytest.raises(MalformedMessageError, match="unknown exchange code") as caught:
        read_equity_trades(write_zip(tmp_path / FAMILIES["equity_trade"][1], rows))
    assert caught.value.line == 5


def test_zip_with_two_members_is_refused(tmp_path: Path) -> None:
    path = tmp_path / FAMILIES["fx"][1]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "1,1.1,1.2\n")
        archive.writestr("b.csv", "1,1.1,1.2\n")
    with pytest.raises(MalformedMessageError, match="expected one CSV"):
        read_fx_quotes(path)


