"""Broken vendor files fail with a MalformedMessageError that names the file and the row."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arbkit.adapters.binance_archive.csv_parquet import read_depth_csv
from arbkit.adapters.bybit.ob500 import BybitSequenceGapError, read_bybit_ob500
from arbkit.adapters.databento.dbn import read_mbo
from arbkit.adapters.tardis.csv import read_tardis_csv, read_trades
from arbkit.core.errors import MalformedMessageError
from testkit import shared_file

SAMPLES = "exchange_format_samples"
DERIBIT = "tardis_deribit_incremental_book_L2_BTC-PERPETUAL.csv"
BITMEX = "tardis_bitmex_trades_XBTUSD.csv"


def _copy_with(tmp_path: Path, name: str, edit) -> Path:  # type: ignore[no-untyped-def]
    lines = shared_file(SAMPLES, name).read_text().splitlines()
    path = tmp_path / name
    path.write_text("\n".join(edit(lines)) + "\n")
    return path


def test_truncated_zst_names_the_file(tmp_path: Path):
    raw = shared_file("cme_es_futures_databento", "esh4-glbx-mdp3-20231225.mbo.dbn.zst").read_bytes()
    path = tmp_path / "cut.mbo.dbn.zst"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(MalformedMessageError, match=r"^cut\.mbo\.dbn\.zst:0: truncated or corrupt zstd"):
        read_mbo(path)


def test_truncated_zip_names_the_file(tmp_path: Path):
    raw = shared_file(SAMPLES, "bybit_linear_xrpusdt_ob500_2024-12-01.data.zip").read_bytes()
    path = tmp_path / "cut.data.zip"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(MalformedMessageError, match=r"^cut\.data\.zip:0: truncated or corrupt zip"):
        read_bybit_ob500(path)


def test_bybit_update_id_gap_is_a_typed_error(tmp_path: Path):
    import zipfile

    source = shared_file(SAMPLES, "bybit_linear_xrpusdt_ob500_2024-12-01.data.zip")
    with zipfile.ZipFile(source) as archive:
        lines = archive.read(archive.namelist()[0]).decode().splitlines()
    path = tmp_path / "gap.data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("gap.data", "\n".join(lines[:10] + lines[11:]))
    with pytest.raises(BybitSequenceGapError, match=r"gap.data.zip:11: update id gap: u=20254880 follows u=20254878 \(expected 20254879\)"):
        read_bybit_ob500(path)


def test_row_with_an_extra_field_is_rejected(tmp_path: Path):
    path = _copy_with(tmp_path, BITMEX, lambda lines: lines[:3] + [lines[3] + ",1"] + lines[4:])
    with pytest.raises(MalformedMessageError, match=r":4: 9 fields, the header has 8"):
        read_trades(path)


def test_unknown_column_set_is_rejected(tmp_path: Path):
    path = _copy_with(tmp_path, BITMEX, lambda lines: [lines[0].replace("amount", "qty")] + lines[1:])
    with pytest.raises(MalformedMessageError, match="unknown Tardis column set"):
        read_tardis_csv(path)


def test_timestamps_in_nanoseconds_are_not_silently_rescaled(tmp_path: Path):
    def times_1000(lines: list[str]) -> list[str]:
        out = [lines[0]]
        for line in lines[1:]:
            fields = line.split(",")
            fields[2], fields[3] = fields[2] + "000", fields[3] + "000"
            out.append(",".join(fields))
        return out

    path = _copy_with(tmp_path, DERIBIT, times_1000)
    with pytest.raises(MalformedMessageError, match=r":2: timestamp 1585699200245000000 looks like ns; .* in us"):
        read_tardis_csv(path)


def test_binance_csv_timestamp_in_seconds_is_rejected(tmp_path: Path):
    name = "binance_usdm_btcusdt_depth_update_2022-11-01.csv"
    path = _copy_with(tmp_path, name, lambda lines: [lines[0], lines[1].replace("1667347199939", "1667347199", 1)])
    with pytest.raises(MalformedMessageError, match=r":2: timestamp 1667347199 looks like s"):
        read_depth_csv(path)


@pytest.mark.parametrize("bad_price", ["0", "NaN", "-8531.5", ""])
def test_trade_price_zero_or_nan_names_the_row(tmp_path: Path, bad_price: str):
    def edit(lines: list[str]) -> list[str]:
        fields = lines[5].split(",")
        fields[6] = bad_price
        return lines[:5] + [",".join(fields)] + lines[6:]

    path = _copy_with(tmp_path, BITMEX, edit)
    with pytest.raises(MalformedMessageError, match=r"tardis_bitmex_trades_XBTUSD\.csv:(6|0): "):
        read_trades(path)


_CSV_FILES = [DERIBIT, BITMEX, "tardis_huobi-dm-swap_quotes_BTC-USD.csv", "tardis_binance-futures_book_snapshot_5_BTCUSDT.csv",
              "binance_usdm_btcusdt_depth_snap_2022-11-01.csv"]
_NOISE = st.text(alphabet=st.sampled_from(list("0123456789.-,eE+naNtrufsbidk \"x")), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_index=st.integers(0, len(_CSV_FILES) - 1), row=st.integers(0, 10), field=st.integers(0, 30),
       noise=_NOISE, drop=st.booleans())
def test_random_mutations_of_real_rows_raise_only_malformed_message(file_index, row, field, noise, drop):
    name = _CSV_FILES[file_index]
    lines = shared_file(SAMPLES, name).read_text().splitlines()
    target = row % len(lines)
    fields = lines[target].split(",")
    position = field % len(fields)
    if drop:
        del fields[position]
    else:
        fields[position] = noise
    lines[target] = ",".join(fields)
    reader = read_depth_csv if name.startswith("binance") else read_tardis_csv
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text("\n".join(lines) + "\n")
        try:
            reader(path)
        except MalformedMessageError:
            pass
