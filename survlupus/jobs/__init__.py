"""The jobs that run the whole chain (read → derive → analyse → render) end to end: the report
(``survlupus report``) and the figure gallery (``survlupus gallery``)."""
