"""Block Kit and plain text for team insights: the same figures, for Slack and for the terminal."""

from __future__ import annotations

from bot.blocks.kit import Block, context, divider, escape, header, mrkdwn, sections
from bot.tutor.insights import MIN_GROUP, Insights

PERIOD_WORDS = {"week": "the last 7 days", "month": "the last 30 days"}
BEFORE_WORDS = {"week": "the 7 days before", "month": "the 30 days before"}
TREND_ICONS = {"rising": ":chart_with_upwards_trend:", "falling": ":chart_with_downwards_trend:", "steady": "→"}
PRIVACY_NOTE = f"Figures about fewer than {MIN_GROUP} people are left out, so nobody is singled out."


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)}%"


def _change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return "no earlier figure"
    points = round((now - before) * 100)
    arrow = "▲" if points > 0 else "▼" if points < 0 else "="
    return f"{arrow} {points:+d} pts from {_pct(before)}"


def _exact_turnout(active: int, ever: int) -> bool:
    """Whether the exact turnout may show: "4 of the 5 people" would single out the one who stayed away, so only
    when nobody, or at least MIN_GROUP people, did not take part. Else "most" is true (`active` >= MIN_GROUP)."""
    return ever - active == 0 or ever - active >= MIN_GROUP


def insight_lines(report: Insights, *, markup: bool = True) -> list[str]:
    """The report as lines; `markup` adds Slack's bold and escapes text (the terminal gets it plain)."""

    def bold(text: str) -> str:
        return f"*{text}*" if markup else text

    def safe(text: str) -> str:
        return escape(text) if markup else text

    period = PERIOD_WORDS[report.period]
    if report.ever < MIN_GROUP:
        return [
            f"Fewer than {MIN_GROUP} people have answered in {report.scope} so far, so there are no "
            "insights to show yet (they would single someone out)."
        ]
    lines = [bold("Participation")]
    if report.active is None:
        lines.append(
            f"Fewer than {MIN_GROUP} of the {report.ever} people who have ever answered did so in {period}; "
            "the figures below are left out so nobody is singled out."
        )
        return lines
    took_part = f"{report.active} of the" if _exact_turnout(report.active, report.ever) else "Most of the"
    lines.append(f"{took_part} {report.ever} people who have ever answered took part in {period}.")
    lines += ["", bold("Accuracy per topic") + f" ({period}, against {BEFORE_WORDS[report.period]})"]
    lines.append(f"All topics: {_pct(report.overall_now)} ({_change(report.overall_now, report.overall_before)})")
    for figure in sorted(report.topics, key=lambda f: f.title):
        lines.append(f"• {safe(figure.title)}: {_pct(figure.now)} ({_change(figure.now, figure.before)})")
    if report.hidden_topics:
        lines.append(f"({report.hidden_topics} more topic(s) answered by fewer than {MIN_GROUP} people: left out)")
    lines += ["", bold("Weakest topics")]
    for n, weak in enumerate(report.weakest, 1):
        lines.append(f"{n}. {safe(weak.title)}: {_pct(weak.accuracy)} right")
        if weak.question:
            lines.append(f"   most missed: “{safe(weak.question)}” ({_pct(weak.missed)} wrong)")
        else:
            lines.append(f"   no single question of it was answered by {MIN_GROUP} or more people")
    lines += ["", bold("Trend") + f" (all topics, week by week): {report.trend_word}"]
    lines.append(" → ".join(_pct(v) for v in report.trend))
    return lines


def insight_blocks(report: Insights, title: str) -> list[Block]:
    blocks: list[Block] = [header(title)]
    blocks += sections(insight_lines(report))
    if report.active is not None and report.trend_word in TREND_ICONS:
        blocks.append(context(mrkdwn(f"{TREND_ICONS[report.trend_word]} accuracy is {report.trend_word}")))
    blocks += [divider(), context(mrkdwn(f":lock: {PRIVACY_NOTE} No figure names a person."))]
    return blocks


def insight_summary(report: Insights) -> str:
    """One line for notifications (a message's fallback text)."""
    if report.too_few:
        return f"Insights for {report.scope}: fewer than {MIN_GROUP} people, nothing to show"
    active = report.active or 0
    took_part = f"{active}" if _exact_turnout(active, report.ever) else f"most of {report.ever}"
    return f"Insights for {report.scope}: {took_part} took part, {_pct(report.overall_now)} right"
