"""Block Kit for quiz questions, private feedback and the revealed results."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.answer_blocks import TOPIC_ACTION
from bot.blocks.kit import Block, actions, button, context, entities, header, mrkdwn, plain, section
from bot.tutor.quiz_rules import Grade
from content.models import Question

LETTERS = "ABCDEF"
DAILY, PRACTICE = "quiz", "practice"  # action id prefixes: a daily post, or a private practice question
TITLES = {DAILY: "Daily quiz", PRACTICE: "Practice"}  # any other prefix (a personal review) is a "Review"


def _options_text(question: Question) -> str:
    return "\n".join(f"*{LETTERS[i]}.* {entities(o.text)}" for i, o in enumerate(question.options))


def question_blocks(question: Question, topic_title: str, *, prefix: str, ref: str, status: str) -> list[Block]:
    """`ref` is what a click must carry back: the post id (daily) or the question id (practice)."""
    kind_hint = {"single": "Pick one.", "multi": "Select all that apply, then Submit.", "true_false": "True or false?"}
    blocks: list[Block] = [
        header(f"{TITLES.get(prefix, 'Review')}: {topic_title}"),
        section(entities(question.prompt)),
    ]
    if question.kind == "true_false":
        blocks.append(
            actions(
                *(button(o.text, f"{prefix}_pick:{i}", f"{ref}:{i}") for i, o in enumerate(question.options)),
                block_id=f"{prefix}:{ref}",
            )
        )
    elif question.kind == "single":
        blocks.append(section(_options_text(question)))
        blocks.append(
            actions(
                *(button(LETTERS[i], f"{prefix}_pick:{i}", f"{ref}:{i}") for i in range(len(question.options))),
                block_id=f"{prefix}:{ref}",
            )
        )
    else:
        boxes = {
            "type": "checkboxes",
            "action_id": f"{prefix}_boxes",
            "options": [{"text": plain(o.text, 75), "value": str(i)} for i, o in enumerate(question.options)],
        }
        blocks.append(
            actions(boxes, button("Submit", f"{prefix}_submit", ref, style="primary"), block_id=f"{prefix}:{ref}")
        )
    blocks.append(context(mrkdwn(f"{kind_hint[question.kind]} {status}")))
    return blocks


def status_line(answered: int, closes: str) -> str:
    people = "1 answer" if answered == 1 else f"{answered} answers"
    return f"{people} so far · closes {closes} · one answer per person"


def verdict(result: Grade) -> str:
    if result.correct:
        return "Right!"
    return f"Partly right ({round(result.credit * 100)}% credit)." if result.credit else "Not quite."


def feedback_blocks(
    question: Question, chosen: frozenset[int], result: Grade, topic_title: str, points: float | None = None
) -> list[Block]:
    """Private feedback: the verdict, the points it earned (daily quiz), and why every option is right or wrong."""
    mark = ":white_check_mark:" if result.correct else ":large_yellow_circle:" if result.credit else ":x:"
    earned = ""
    if points is not None:
        bonus = " (and a bonus if you were among the first three right)" if result.correct else ""
        earned = f" +{points:.0f} points{bonus}."
    right = ", ".join(_label(question, i) for i in sorted(question.correct_indexes))
    lines = []
    for i, option in enumerate(question.options):
        tick = ":white_check_mark:" if option.correct else ":heavy_multiplication_x:"
        you = " _(your pick)_" if i in chosen else ""
        lines.append(f"{tick} *{_label(question, i)}*{you}: {entities(option.why)}")
    return [
        section(f"{mark} *{verdict(result)}*{earned} The answer: *{right}*."),
        section("\n".join(lines)),
        actions(button(f"Read: {topic_title}", f"{TOPIC_ACTION}:{question.topic}", question.topic)),
    ]


def _label(question: Question, index: int) -> str:
    text = question.options[index].text
    return entities(text) if question.kind == "true_false" else f"{LETTERS[index]}. {entities(text)}"


def revealed_blocks(
    question: Question,
    topic_title: str,
    total: int,
    per_option: dict[int, int],
    fastest: Sequence[tuple[str, float]],
) -> list[Block]:
    rows = []
    for i, option in enumerate(question.options):
        n = per_option.get(i, 0)
        share = n / total if total else 0.0
        bar = "█" * round(share * 10) + "░" * (10 - round(share * 10))
        mark = " :white_check_mark:" if option.correct else ""
        rows.append(f"`{bar}` {n:>3} · {_label(question, i)}{mark}")
    quick = ", ".join(f"<@{user}> ({_duration(seconds)})" for user, seconds in fastest) or "nobody this time"
    right = ", ".join(_label(question, i) for i in sorted(question.correct_indexes))
    return [
        header(f"Daily quiz (closed): {topic_title}"),
        section(entities(question.prompt)),
        section(f"*Answer:* {right}"),
        section("\n".join(rows)),
        context(mrkdwn(f"{total} answer{'s' if total != 1 else ''} · fastest correct: {quick}")),
        actions(button(f"Read: {topic_title}", f"{TOPIC_ACTION}:{question.topic}", question.topic)),
    ]


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
