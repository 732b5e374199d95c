"""What the split view ("Agents & AI apps") shows: suggested prompts, and the explanation of a closed quiz.

A suggested prompt is a `{"title", "message"}` pair: Slack shows the title as a chip and, when it is picked,
sends the message as the person's own message in the thread. So every message here is a question the
matcher answers with the prompt's own topic (tests/bot/test_assistant_slack.py checks the whole bank)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.blocks.answer_blocks import TOPIC_ACTION
from bot.blocks.kit import Block, actions, button, context, entities, header, mrkdwn, section
from bot.blocks.quiz_blocks import LETTERS
from content.models import Question, Topic

MAX_PROMPTS = 4  # Slack's limit for assistant.threads.setSuggestedPrompts
Prompt = dict[str, str]

WELCOME_TITLE = "Ask me how ML in research differs from ML in production"
WEAK_TITLE = "Worth another look: the topics you miss most in the quiz"
EXPLAIN_QUIZ_TITLE = "Explain today's quiz"
LOOKING = "is looking it up…"  # Slack shows it after the app's name

# "Explain today's quiz in <#C123>": the channel rides in the message, so the thread needs no stored context.
# A prompt's message may come back with its angle brackets as entities; both spellings are read.
_EXPLAIN = re.compile(r"\bexplain\b.*\btoday['’]?s\b.*\bquiz\b", re.IGNORECASE | re.DOTALL)
_CHANNEL = re.compile(r"(?:<|&lt;)#([CG][A-Z0-9]{1,30})(?:\|[^>&]*)?(?:>|&gt;)")


def topic_prompt(topic: Topic, weak: bool = False) -> Prompt:
    title = f"Brush up on {topic.title}" if weak else f"{topic.title}: research vs production"
    return {"title": title[:75], "message": f"{topic.title}: how does research differ from production?"}


def explain_quiz_prompt(channel_id: str) -> Prompt:
    return {"title": EXPLAIN_QUIZ_TITLE, "message": f"Explain today's quiz in <#{channel_id}>"}


def prompts_for(
    weakest: Sequence[Topic], others: Sequence[Topic], quiz_channel: str | None, count: int = 3
) -> tuple[str, list[Prompt]]:
    """The list's title and its prompts: the person's weakest topics first, then other topics from the bank,
    `count` in all; "Explain today's quiz" is added only when `quiz_channel` is given (its quiz has closed)."""
    chosen = list(weakest[:count])
    taken = {t.id for t in chosen}
    chosen += [t for t in others if t.id not in taken][: count - len(chosen)]
    weak = {t.id for t in weakest}
    prompts = [topic_prompt(t, weak=t.id in weak) for t in chosen]
    if quiz_channel:
        prompts = [explain_quiz_prompt(quiz_channel), *prompts][:MAX_PROMPTS]
    return (WEAK_TITLE if weakest else WELCOME_TITLE), prompts


def explain_quiz_request(text: str) -> tuple[bool, str | None]:
    """(whether `text` asks to explain today's quiz, the channel it names if any)."""
    if not _EXPLAIN.search(text):
        return False, None
    found = _CHANNEL.search(text)
    return True, found.group(1) if found else None


def quiz_explanation_blocks(question: Question, topic_title: str, channel_id: str) -> list[Block]:
    """A closed quiz, explained: the question, the right answer, and why each option is right or wrong."""

    def label(i: int) -> str:
        text = entities(question.options[i].text)
        return text if question.kind == "true_false" else f"{LETTERS[i]}. {text}"

    right = ", ".join(label(i) for i in sorted(question.correct_indexes))
    why = [
        f"{':white_check_mark:' if o.correct else ':heavy_multiplication_x:'} *{label(i)}*: {entities(o.why)}"
        for i, o in enumerate(question.options)
    ]
    return [
        header(f"Today's quiz, explained: {topic_title}"),
        context(mrkdwn(f"From <#{channel_id}>")),
        section(entities(question.prompt)),
        section(f"*The answer:* {right}"),
        section("\n".join(why)),
        actions(button(f"Read: {topic_title}", f"{TOPIC_ACTION}:{question.topic}", question.topic)),
    ]


def quiz_not_closed_text(channel_id: str, has_quiz: bool) -> str:
    if not has_quiz:
        return f"There is no quiz in <#{channel_id}> today, so there is nothing to explain yet."
    return (
        f"Today's quiz in <#{channel_id}> is still open. I'll explain it once it closes, so nobody gets the "
        "answer early. Have a go at it first!"
    )


NO_QUIZ_CHANNEL = (
    "Which quiz? Open me from the quiz channel and pick *Explain today's quiz*, or name the channel, "
    "e.g. _explain today's quiz in #ml-quiz_."
)
