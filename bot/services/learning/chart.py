"""The insights chart: accuracy per topic over the last weeks, as a PNG.

matplotlib is imported inside `render_png`, never at module load: start-up and every other command do not pay
for it. The figure is drawn through the Agg canvas directly, not pyplot, so there is no global figure state
to share between the threads that may draw at once."""

from __future__ import annotations

import io

from bot.tutor.insights import MIN_GROUP, ChartSeries

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100


def render_png(series: ChartSeries, title: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [w.strftime("%d %b") for w in series.weeks]
    x = list(range(len(labels)))
    for name, values in series.lines:
        # Gaps (None) are weeks with fewer than MIN_GROUP people: drawn as breaks in the line, never as zero.
        axes.plot(x, [float("nan") if v is None else v * 100 for v in values], marker="o", linewidth=1.8, label=name)
    axes.set_xticks(x, labels, fontsize=8)
    axes.set_ylim(0, 100)
    axes.yaxis.set_major_formatter(PercentFormatter())
    axes.set_ylabel("answers right")
    axes.set_xlabel(f"week starting (gaps: fewer than {MIN_GROUP} people answered)")
    axes.set_title(title, fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    if series.lines:
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        axes.text(
            0.5, 0.5, f"no topic was answered by {MIN_GROUP} or more people", ha="center", transform=axes.transAxes
        )
    # Fixed room for the legend: tight_layout would measure every text first, about a sixth of the render.
    figure.subplots_adjust(left=0.1, right=0.7, top=0.9, bottom=0.14)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
