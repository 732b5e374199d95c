"""The matcher's constants: field weights, BM25, how much a word says, the band thresholds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Params:
    """Every tunable constant in one place, so cross-validation can try other values (tests/bot/tutor)."""

    title_weight: float = 4.0
    alias_weight: float = 3.0
    phrasing_weight: float = 1.5
    answer_weight: float = 0.5
    key_point_weight: float = 0.4
    example_weight: float = 0.25
    k1: float = 8.0  # BM25 saturation of a topic's weighted term frequency (a title weighs 4)
    strength_scale: float = 5.0  # evidence at which strength reaches 1 - 1/e
    focus_floor: float = 1.0  # confidence kept when the evidence is spread evenly over topics (1: focus unused)
    body_on: float = 0.6  # how on-subject a word counts that the bank uses only in answers
    anchor_discount: float = 0.2  # foreign words weigh this much when the question is plainly about ML
    zipf_common: float = 6.5  # Zipf frequency at which a word weighs info_min ('the', 'what')
    zipf_rare: float = 3.0  # ... and at which it weighs fully ('latency', 'brake')
    info_min: float = 0.1
    title_info: float = 1.0  # a word of a topic's title says at least this much, however common ('data', 'cost')
    rank_info_power: float = 0.25  # how much everyday commonness discounts a bank word's evidence when ranking
    foreign_common: float = 7.0  # the same scale for words foreign to the subject: 'heart' says 'not ML'
    foreign_rare: float = 4.5
    compare_ratio: float = 0.25  # in a comparison the topic named first answers if it scores this share of the top
    margin_floor: float = 0.3  # confidence kept when the runner-up scores as high as the top topic
    margin_full: float = 0.5  # gap (1 - runner-up / top) from which the runner-up no longer lowers confidence
    share_power: float = 2.0
    phrase_weight: float = 1.0
    nn_weight: float = 6.0  # weight of the nearest title, alias or phrasing (term overlap) beside BM25
    nn_dice: float = 0.5  # 1: share of the question's weight a phrasing covers; 0: share of the phrasing's
    phrase_floor: float = 0.6
    verbatim_floor: float = 0.85
    typo_margin: float = 1.0  # a typo's fix must be this much more common (Zipf) than the typed word
    side_weight: float = 0.4
    named_tf: float = 2.5  # weighted use that makes a word name its topic (a title or alias word does)
    named_focus: float = 0.45
    name_info: float = 0.3
    # Band constants (confident, share_power, anchor_discount, margin_floor, margin_full) chosen by
    # tests/bot/tutor/tuning.py on the whole dev set plus the bank's phrasings held out ten-fold.
    confident: float = 0.40
    unsure: float = 0.12
    followup_words: int = 5
    jargon_evidence: float = 4.5  # unexplained jargon outweighs a topic named by less evidence than this
    bank_typo_uses: float = 4.0  # a bank misspelling stands for a spelling used this many times more
    ask_sure: float = 0.9  # a whole long message answered this surely is not read again for its asking sentence
