"""The main job: one command from visit data to every dataset, table and figure."""

from survlupus.report.build import ReportResult, write_report

__all__ = ["ReportResult", "write_report"]
