"""Rendering: figures, tables, datasets and the self-contained page, drawn from results.

Nothing here fits a model: every number comes from :class:`survlupus.Results`
(or from the analysis functions a user called).
"""
