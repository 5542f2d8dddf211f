"""The figure functions, under the short name notebooks use: ``from survlupus import plots``.

They live in :mod:`survlupus.render.figures`; this module only re-exports them.
"""

from survlupus.render.figures import *  # noqa: F403
from survlupus.render.figures import __all__  # noqa: F401
