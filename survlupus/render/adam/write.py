"""Writing every dataset of a :class:`Results` in its ADaM form, with its metadata.

For each dataset (ADSL first): ``<name>.csv``, ``.parquet``, ``.xpt`` (SAS transport v5, with
the dataset and variable labels) and ``.json`` (CDISC Dataset-JSON v1.1, checked before it is
written), all holding the same conformed frame (:func:`~survlupus.render.adam.conform.conform`);
then ``define.json`` describing them all (:mod:`~survlupus.render.adam.metadata`).

>>> write_adam(results, "out/datasets")        # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from survlupus.render.adam.conform import conform
from survlupus.render.adam.datasetjson import creation_stamp, write_frame_json
from survlupus.render.adam.metadata import dataset_metadata, write_metadata
from survlupus.render.adam.specs import spec_for
from survlupus.render.datasets import write_dataset

FORMATS = ("csv", "parquet", "xpt", "json")


def _version() -> str:
    import survlupus  # the package is imported by now; its version, not the install's metadata

    return survlupus.__version__


def adam_datasets(results) -> dict:
    """Every dataset of ``results`` in its ADaM form, ADSL first (name → frame)."""
    return dict(_conformed(results))


def _conformed(results):
    """(name, conformed frame), ADSL first, one at a time: a writer holds one dataset's ADaM
    copy in memory, not all of them."""
    adsl = results.datasets["adsl"]
    for name in ["adsl", *[n for n in results.datasets if n != "adsl"]]:
        yield name, conform(name, results.datasets[name], adsl)


def _study(adsl, default: str) -> str:
    return str(adsl["STUDYID"].iloc[0]) if len(adsl) else default


def _write(frame, spec, path: Path, study: str, created: str) -> Path:
    """One conformed dataset, by the extension of ``path``: Dataset-JSON for ``.json``, else
    :func:`~survlupus.render.datasets.write_dataset` (CSV, Parquet, XPT) with the labels."""
    if path.suffix.lower() == ".json":
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_frame_json(frame, spec, study, created, path, _version())
    labels = {v: spec.label_of(v) for v in frame.columns}
    return write_dataset(frame, path, labels=labels, name=spec.name, dataset_label=spec.label)


def write_adam(results, folder: str | Path) -> list[Path]:
    """Write the datasets and ``define.json`` under ``folder``; returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    adsl = results.datasets["adsl"]
    study = _study(adsl, results.plan.study.id)
    created = creation_stamp(adsl["LSTALVDT"])
    written, metadata = [], {}
    for name, frame in _conformed(results):
        spec = spec_for(name)
        files = [f"{name}.{ext}" for ext in FORMATS]
        written += [_write(frame, spec, folder / f, study, created) for f in files]
        metadata[name] = dataset_metadata(frame, spec, files)
        del frame  # before the next dataset is conformed: one ADaM copy in memory at a time
    parameters = results.table("definitions").to_dict("records")
    written.append(write_metadata(metadata, parameters, folder / "define.json", study))
    return written


def write_conformed(name: str, df, adsl, path: str | Path) -> Path:
    """One dataset in its ADaM form, by the extension of ``path`` (``.csv``, ``.parquet``,
    ``.xpt`` or ``.json`` for Dataset-JSON): what ``survlupus derive`` and ``responders`` write."""
    frame = conform(name, df, adsl)
    created = creation_stamp(adsl["LSTALVDT"])
    return _write(frame, spec_for(name), Path(path), _study(adsl, "STUDY"), created)
