"""``survlupus derive``: CSV, Parquet and SAS XPT v5 (read back identically by pyreadstat and
pandas), the episode table, and configuration overrides."""

import pandas as pd
import pyreadstat
import pytest

import survlupus
from survlupus.cli import main
from survlupus.plan import PlanError, endpoint_library
from survlupus.render.datasets import to_ascii

from .conftest import SYNTHETIC

CS = str(SYNTHETIC / "cs20at04")


def test_derive_writes_xpt_v5_read_back_identically(tmp_path):
    out = tmp_path / "adtte.xpt"
    assert main(["derive", CS, "--out", str(out)]) == 0
    assert out.read_bytes()[:80].startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD")  # v5
    by_readstat, meta = pyreadstat.read_xport(str(out))
    by_pandas = pd.read_sas(str(out), format="xport", encoding="ascii")
    assert meta.table_name == "ADTTE"
    assert meta.column_names_to_labels["CNSR"] == "Censor"
    for col in ("STARTDT", "ADT", "SRCDT"):  # pandas gives SAS day numbers, readstat dates
        by_pandas[col] = pd.to_datetime(by_pandas[col], unit="D", origin="1960-01-01")
        by_readstat[col] = pd.to_datetime(by_readstat[col])
    pd.testing.assert_frame_equal(by_readstat, by_pandas, check_dtype=False)
    # and both equal the ADTTE the API derives (text spelled in ASCII; long text split)
    api = survlupus.derive_adtte(survlupus.read_trial(CS)).reset_index(drop=True)
    # the ADaM order: by subject, then the parameters in the order derived
    order = {c: i for i, c in enumerate(dict.fromkeys(api["PARAMCD"]))}
    api = api.assign(_o=api["PARAMCD"].map(order)).sort_values(["USUBJID", "_o"], kind="stable")
    api = api.reset_index(drop=True)
    assert by_readstat["USUBJID"].tolist() == api["USUBJID"].tolist()
    assert by_readstat["PARAMCD"].tolist() == api["PARAMCD"].tolist()
    assert set(by_readstat["STUDYID"]) == {"CS20AT04-P2A"}  # from the folder's plan
    assert meta.file_label == "Time-to-Event Analysis Dataset"
    assert by_readstat["AVAL"].astype(int).tolist() == api["AVAL"].tolist()
    assert (by_readstat["ADT"] == api["ADT"]).all()
    parts = [c for c in by_readstat.columns if c.startswith("EVIDEN")]
    joined = by_readstat[parts].fillna("").astype(str).agg("".join, axis=1)
    assert joined.tolist() == [to_ascii(e) for e in api["EVIDENCE"]]


def test_derive_csv_parquet_and_episodes(tmp_path, capsys):
    assert (
        main(
            [
                "derive",
                CS,
                "--out",
                str(tmp_path / "a.csv"),
                "--episodes",
                str(tmp_path / "e.parquet"),
            ]
        )
        == 0
    )
    a = pd.read_csv(tmp_path / "a.csv")
    e = pd.read_parquet(tmp_path / "e.parquet")
    # 6 nephritis x 6 renal/TF parameters + 4 cytopenia x TTHFLR + 10 x (TTSFLR, TTDTH, TTRESC)
    assert len(a) == 6 * 6 + 4 + 10 * 3 and set(e["TYPE"]) >= {
        "severe flare",
        "renal flare",
        "haematologic flare",
    }
    assert "flare episodes" in capsys.readouterr().out
    assert main(["derive", CS, "--out", str(tmp_path / "b.parquet")]) == 0
    b = pd.read_parquet(tmp_path / "b.parquet")
    assert b["CNSR"].tolist() == a["CNSR"].tolist()
    assert main(["derive", CS, "--out", str(tmp_path / "again.csv")]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "again.csv").read_bytes()


def test_plan_definitions_overrides_and_errors(tmp_path, capsys):
    lib = endpoint_library(("classic_sfi",), (("TTRFLR", (("confirm_days", 28),)),))
    assert lib["TTRFLR"].confirm_days == 28
    assert "TTSFLRC" in lib
    with pytest.raises(PlanError, match=r"definitions\.TTRFLR\.confirm: unknown setting"):
        endpoint_library((), (("TTRFLR", (("confirm", 28),)),))
    with pytest.raises(PlanError, match=r"definitions\.TTRFLR\.creatinine_factor: expected float"):
        endpoint_library((), (("TTRFLR", (("creatinine_factor", "high"),)),))
    with pytest.raises(PlanError, match=r"definitions\.TTXX: unknown PARAMCD"):
        endpoint_library((), (("TTXX", ()),))
    with pytest.raises(PlanError, match="unknown variant 'nope'"):
        endpoint_library(("nope",), ())
    # an old-style config given to derive is converted, and its errors still name the key
    bad = tmp_path / "bad.toml"
    bad.write_text("[derive]\nwindw_days = 3\n")
    assert (
        main(["derive", CS, "--out", str(tmp_path / "x.csv"), "--config", str(bad)]) == 2
    )  # a wrong plan key: exit 2
    assert "derive.windw_days: unknown key" in capsys.readouterr().err
    old = tmp_path / "old.toml"
    old.write_text("[derive]\nwindow_days = 100\n[definitions.TTRFLR]\nconfirm_days = 28\n")
    assert main(["derive", CS, "--out", str(tmp_path / "y.csv"), "--config", str(old)]) == 0
    captured = capsys.readouterr()
    assert "old-style config" in captured.err and "window 100 days" in captured.out


def test_list_endpoints_documents_every_definition():
    table = survlupus.list_endpoints()
    assert {
        "TTSFLR",
        "TTRFLR",
        "TTHFLR",
        "TTCR",
        "TTDTH",
        "TTESRD",
        "TTDSCR",
        "TTEXFLR",
        "TTRESC",
        "TTTF",
    } <= set(table.PARAMCD)
    assert table["SOURCE"].str.len().min() > 20  # every definition cites its source
    renal = table.set_index("DEFINITION").loc["RenalFlare", "DESCRIPTION"]
    assert "creatinine at least 1.3 times the lowest value so far" in renal


def test_cli_version_help_and_wrong_names_exit_2(tmp_path, capsys):
    import survlupus
    from survlupus.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert (
        exc.value.code == 0
        and capsys.readouterr().out.strip() == f"survlupus {survlupus.__version__}"
    )
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = capsys.readouterr().out
    assert "--quiet" in text and "``" not in text and "the trial folder" in text
    code = main(
        ["responders", str(SYNTHETIC / "musc"), "--out", str(tmp_path / "r.csv"), "--visit", "W99"]
    )
    err = capsys.readouterr().err
    assert code == 2 and "'W99' is not in the schedule (W4, W8" in err and "Traceback" not in err
    assert not (tmp_path / "r.csv").exists()  # nothing written for a wrong name
