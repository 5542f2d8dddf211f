"""Out-of-core derivation: a trial split by subject, derived partition by partition on Dask (the
local scheduler and a local distributed cluster), gives the in-memory ADTTE exactly."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import survlupus
from survlupus.cli import main
from survlupus.jobs.partitioned import derive_partitioned, read_partitioned
from survlupus.plan.library import plan_endpoints
from survlupus.trial.schema import TABLES

from .conftest import SYNTHETIC


def _parquet_trial(design: str, folder, parts_per_table: int = 1):
    """The synthetic trial as Parquet; ``parts_per_table > 1`` writes each table as a folder
    of files (as a registry export would)."""
    warnings.simplefilter("ignore")
    trial = survlupus.read_trial(SYNTHETIC / design)
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        df = getattr(trial, name)
        if parts_per_table == 1:
            df.to_parquet(folder / f"{name}.parquet", index=False)
            continue
        (folder / name).mkdir()
        step = -(-len(df) // parts_per_table) or 1
        for k in range(0, max(len(df), 1), step):
            df.iloc[k : k + step].to_parquet(folder / name / f"p{k:06d}.parquet", index=False)
    return folder


@pytest.mark.parametrize("design", ["cs20at04", "musc", "nanjing"])
def test_partitions_give_the_in_memory_adtte(design, tmp_path):
    src = _parquet_trial(design, tmp_path / "src", parts_per_table=3)
    plan = survlupus.load_plan(SYNTHETIC / design / "plan.toml")
    endpoints = plan_endpoints(plan)
    whole = survlupus.derive_adtte(
        survlupus.read_trial(src), endpoints, window_days=plan.window_days()
    )
    episodes = survlupus.derive_episodes(
        survlupus.read_trial(src), window_days=plan.window_days()
    )
    derive_partitioned(
        src,
        tmp_path / "out",
        endpoints,
        window_days=plan.window_days(),
        chunk_subjects=6,
        episodes=tmp_path / "episodes",
    )
    n_parts = len(list((tmp_path / "out").glob("part-*.parquet")))
    assert n_parts == -(-survlupus.read_trial(src).n_subjects // 6)
    assert len(list((tmp_path / "episodes").glob("part-*.parquet"))) == n_parts
    pd.testing.assert_frame_equal(read_partitioned(tmp_path / "out"), whole)
    assert len(episodes) > 0
    pd.testing.assert_frame_equal(read_partitioned(tmp_path / "episodes", "episodes"), episodes)
    assert not list((tmp_path / "out").glob("survlupus-parts-*"))  # the split is cleaned up


def test_the_same_code_runs_on_a_distributed_cluster(tmp_path):
    from distributed import Client, LocalCluster

    src = _parquet_trial("musc", tmp_path / "src")
    whole = survlupus.derive_adtte(survlupus.read_trial(src), window_days=379)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        derive_partitioned(src, tmp_path / "out", window_days=379, chunk_subjects=20, client=client)
    pd.testing.assert_frame_equal(read_partitioned(tmp_path / "out"), whole)


def test_the_cli_derives_in_parts_and_refuses_what_it_cannot(tmp_path, capsys):
    src = _parquet_trial("cs20at04", tmp_path / "src")
    (tmp_path / "src" / "plan.toml").write_text((SYNTHETIC / "cs20at04" / "plan.toml").read_text())
    out = tmp_path / "adtte"
    assert main(["derive", str(src), "--out", str(out), "--chunk-subjects", "4"]) == 0
    assert "wrote 3 parts" in capsys.readouterr().out
    plan = survlupus.load_plan(src / "plan.toml")
    whole = survlupus.derive_adtte(
        survlupus.read_trial(src), plan_endpoints(plan), window_days=plan.window_days()
    )
    pd.testing.assert_frame_equal(read_partitioned(out), whole)
    episodes = tmp_path / "episodes"
    argv = ["derive", str(src), "--out", str(out), "--chunk-subjects", "4"]
    assert main([*argv, "--episodes", str(episodes)]) == 0
    found = survlupus.derive_episodes(survlupus.read_trial(src), window_days=plan.window_days())
    pd.testing.assert_frame_equal(read_partitioned(episodes, "episodes"), found)
    with pytest.raises(ValueError, match="dataset must be one of adtte, episodes"):
        read_partitioned(episodes, "adrs")
    capsys.readouterr()
    csv = SYNTHETIC / "cs20at04"  # CSV tables cannot be streamed
    assert main(["derive", str(csv), "--out", str(out), "--chunk-subjects", "4"]) == 2
    assert "partitioned derivation streams Parquet tables" in capsys.readouterr().err
