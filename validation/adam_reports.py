"""Write the ADaM datasets of the synthetic cs20at04, musc and nanjing trials (what their reports
write) under a folder, one sub-folder per trial, for ``validation/r/xpt_haven.R``.

    python validation/adam_reports.py /tmp/adam
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import survlupus
from survlupus.render.adam.write import write_adam

ROOT = Path(__file__).resolve().parents[1]
TRIALS = ("cs20at04", "musc", "nanjing")

if __name__ == "__main__":
    out = Path(sys.argv[1])
    warnings.simplefilter("ignore")
    for name in TRIALS:
        results = survlupus.analyse(survlupus.read_trial(ROOT / "data" / "synthetic" / name))
        written = write_adam(results, out / name)
        print(name, len(written), "files")
