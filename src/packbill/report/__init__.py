"""Charts (inline SVG, no scripts, no network) shared by the demo report and the console."""

from .charts import line_chart, stacked_bars

__all__ = ["line_chart", "stacked_bars"]
