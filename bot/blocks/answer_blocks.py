"""Block Kit for the tutor's answers: a topic, a 'did you mean', an honest 'I don't know', the help.

`reply_for_match` turns a matcher verdict into the reply every surface (DM, mention, /tutor) sends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.kit import Block, actions, button, context, divider, entities, header, mrkdwn, plain, section
from bot.tutor.phrasings import learnable
from bot.tutor.reading import Band, Match
from content.loader import Bank
from content.models import Topic

TOPIC_ACTION = "topic_open"
HELPFUL_ACTION = "helpful"
# Topic buttons whose click is evidence that the question they carry belongs to the topic picked.
DID_YOU_MEAN_BLOCK, INSTEAD_BLOCK = "did_you_mean", "instead"


def topic_button(topic: Topic, label: str | None = None, asked: str | None = None) -> dict[str, Any]:
    # action_ids must be unique within a block, so the topic id rides along in both id and value.
    return button(label or topic.title, f"{TOPIC_ACTION}:{topic.id}", pick_value(topic.id, asked))


def pick_value(topic_id: str, asked: str | None) -> str:
    """A topic button's value: the topic id, then the question in phrasing form when it can become a phrasing
    (at most 200 characters, far inside Slack's 2,000 for a value). Topic ids never hold a "|"."""
    question = learnable(asked) if asked else None
    return f"{topic_id}|{question}" if question else topic_id


def read_pick(value: str) -> tuple[str, str | None]:
    """(topic id, the question the button carries or None) from a topic button's value."""
    topic_id, _, question = value.partition("|")
    return topic_id, learnable(question) if question else None


RESEARCH, PRODUCTION = "*:microscope: In research*", "*:factory: In production*"


def answer_blocks(
    topic: Topic,
    related: Sequence[Topic],
    asked: str | None = None,
    facet: str | None = None,
    also: Sequence[Topic] = (),
) -> list[Block]:
    """A topic's answer. `facet` (a follow-up's "and in research?", "example?", "why?") leads with that part;
    `also` are the other topics a comparison named, offered as buttons."""
    blocks: list[Block] = []
    if asked:
        blocks.append(context(plain(f"You asked: {asked}", 200)))
    blocks.append(header(topic.title))
    if facet in FACETS:
        blocks.append(section(FACETS[facet](topic)))
    blocks += [
        {
            "type": "section",
            "fields": [
                mrkdwn(f"{RESEARCH}\n{topic.answer.research}", 2000),
                mrkdwn(f"{PRODUCTION}\n{topic.answer.production}", 2000),
            ],
        },
        section("\n".join(f"• {point}" for point in topic.key_points)),
        context(mrkdwn(f"*Example:* {topic.example}", 2000)),
    ]
    if also:
        names = " and ".join(entities(t.title) for t in also)
        blocks.append(section(f"You also asked about *{names}*; here it is side by side with {entities(topic.title)}:"))
        blocks.append(actions(*(topic_button(t, f"Compare: {t.title}") for t in also), block_id="also"))
    if topic.further_reading:
        links = " · ".join(f"<{r.url}|{entities(r.title)}>" for r in topic.further_reading)
        blocks.append(context(mrkdwn(f"*Further reading:* {links}", 2000)))
    if related:
        blocks.append(context(mrkdwn("*Related topics*")))
        blocks.append(actions(*(topic_button(t) for t in related), block_id="related"))
    blocks += [
        divider(),
        actions(
            button(":thumbsup: Helpful", f"{HELPFUL_ACTION}:yes", topic.id),
            button(":thumbsdown: Not helpful", f"{HELPFUL_ACTION}:no", topic.id),
            block_id="helpful",
        ),
        context(mrkdwn("Was this helpful? Your vote tells the authors what to improve.")),
    ]
    return blocks


# What a follow-up asks for first: one side of the contrast, the example, or the reasons (the key points).
FACETS = {
    "research": lambda t: f"{RESEARCH}\n{t.answer.research}",
    "production": lambda t: f"{PRODUCTION}\n{t.answer.production}",
    "example": lambda t: f"*Example:* {t.example}",
    "why": lambda t: "*Why:*\n" + "\n".join(f"• {point}" for point in t.key_points),
}


def did_you_mean_blocks(asked: str, suggestions: Sequence[Topic]) -> list[Block]:
    return [
        context(plain(f"You asked: {asked}", 200)),
        section("I'm not sure which topic you mean. *Did you mean…*"),
        actions(*(topic_button(t, asked=asked) for t in suggestions), block_id=DID_YOU_MEAN_BLOCK),
    ]


MAX_OTHER_TOPICS = 24  # Slack allows 25 elements in an actions block; a bank that grows stays inside it


def instead_blocks(asked: str, others: Sequence[Topic]) -> list[Block]:
    """After a 👎 on an answer to a question: which topic the person wanted (the pick teaches nothing until an
    author accepts it). `others` nearest first: only the first MAX_OTHER_TOPICS are offered."""
    buttons = (topic_button(t, asked=asked) for t in others[:MAX_OTHER_TOPICS])
    return [
        section("Thanks for telling me. Was your question about one of these instead?"),
        context(plain(f"You asked: {asked}", 200)),
        actions(*buttons, block_id=INSTEAD_BLOCK),
    ]


def unknown_blocks(asked: str, topics: Sequence[Topic]) -> list[Block]:
    text = (
        "I don't know that one. I only cover how machine learning in research differs from machine "
        "learning in production, and I've noted your question so the authors can see the gap. "
        "These are the topics I can answer:"
    )
    echo = [context(plain(f"You asked: {asked}", 200))] if asked.strip() else []
    return [*echo, section(text), *topic_list_blocks(topics)]


def not_covered_blocks(asked: str, nearest: Sequence[Topic], topics: Sequence[Topic]) -> list[Block]:
    """A machine-learning question the bank does not cover: say so honestly, offer the nearest topics."""
    text = (
        "That is a machine learning question, but not one I cover: I explain how ML in research differs from "
        "ML in production. I've noted it so the authors can see the gap."
    )
    blocks: list[Block] = [context(plain(f"You asked: {asked}", 200)), section(text)]
    if nearest:
        blocks += [section("*The closest topics I do cover:*"), actions(*(topic_button(t) for t in nearest))]
        return blocks
    return [*blocks, section("These are the topics I can answer:"), *topic_list_blocks(topics)]


def topic_list_blocks(topics: Sequence[Topic]) -> list[Block]:
    return [actions(*(topic_button(t) for t in topics[:25]), block_id="topics")]


def topics_blocks(topics: Sequence[Topic]) -> list[Block]:
    return [section("*Topics I can explain* (click one, or ask me in your own words):"), *topic_list_blocks(topics)]


HELP_TEXT = (
    "*lab2prod* explains how machine learning in research differs from machine learning in production.\n"
    "• `/tutor <question>`: ask anything, e.g. `/tutor why do models drift in prod`\n"
    "• `/tutor topics`: everything I can explain\n"
    "• `/tutor quiz`: a private practice question\n"
    "• `/tutor leaderboard [week|month|all] [teams]`: who is ahead\n"
    "• `/tutor team join NAME`, `/tutor team leave`, `/tutor team list`\n"
    "• `/tutor stats`: your points, streak and accuracy\n"
    "• `/tutor insights [week|month] [team NAME]`: what this channel (or a team) still gets wrong;"
    " `/tutor insights weekly on|off` by DM\n"
    "• `/tutor schedule HH:MM [Area/City]`: daily quiz time for this channel (channel admins)\n"
    "You can also DM me a question or @-mention me in a channel."
)


def help_blocks(note: str | None = None) -> list[Block]:
    return ([section(note)] if note else []) + [section(HELP_TEXT)]


def related_topics(topic: Topic, topics: Mapping[str, Topic]) -> list[Topic]:
    return [topics[r] for r in topic.related if r in topics]


@dataclass(frozen=True)
class Reply:
    text: str  # notification fallback: never echoes what a person typed
    blocks: list[Block]


def reply_for_topic(
    bank: Bank, topic_id: str, asked: str | None = None, facet: str | None = None, also: Sequence[str] = ()
) -> Reply:
    topic = bank.topics[topic_id]
    others = [bank.topics[t] for t in also if t in bank.topics and t != topic_id]
    shown = {topic_id, *(t.id for t in others)}
    related = [t for t in related_topics(topic, bank.topics) if t.id not in shown]
    return Reply(
        f"{topic.title}: {topic.answer.production}",
        answer_blocks(topic, related, asked, facet, others),
    )


def reply_for_match(bank: Bank, match: Match) -> Reply:
    if match.band is Band.ANSWER and match.topic:
        return reply_for_topic(bank, match.topic, match.question, match.facet, match.also)
    if match.band is Band.NOT_COVERED:
        nearest = [bank.topics[s] for s in match.suggestions if s in bank.topics]
        return Reply("Not something I cover.", not_covered_blocks(match.question, nearest, list(bank.topics.values())))
    if match.band is Band.DID_YOU_MEAN and match.suggestions:
        suggestions = [bank.topics[s] for s in match.suggestions]
        return Reply(
            f"Did you mean {', '.join(t.title for t in suggestions)}?",
            did_you_mean_blocks(match.question, suggestions),
        )
    # The notification text never echoes the question: what a person typed is shown only as plain_text.
    return Reply("I don't know that one.", unknown_blocks(match.question, list(bank.topics.values())))
