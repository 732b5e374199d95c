"""What the cue-only solver (cues.py) reports: per kind of question, the best wording rule's accuracy against
chance, and the questions that give themselves away."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("single", "multi", "true_false")
DEFAULT_MAX_LIFT_POINTS = 10.0


@dataclass(frozen=True)
class KindLift:
    """The best cue rule for one kind of question."""

    kind: str
    accuracy: float  # 0..1, the best rule's
    chance: float  # 0..1
    rule: str  # the best rule's name
    questions: int
    by_rule: dict[str, float] = field(default_factory=dict)  # every rule's accuracy, for the curious

    @property
    def lift_points(self) -> float:
        return 100 * (self.accuracy - self.chance)


@dataclass(frozen=True)
class CueReport:
    """Per kind, how far a cue-only solver beats chance; and which questions give themselves away."""

    by_kind: dict[str, KindLift]
    leaks: list[tuple[str, str]]  # (question id, the cue that gives it away), worst first
    leak_kinds: dict[str, str] = field(default_factory=dict)  # question id -> kind

    def problems(self, max_lift_points: float = DEFAULT_MAX_LIFT_POINTS) -> list[str]:
        """One message per kind whose best cue rule beats chance by more than max_lift_points."""
        messages = []
        for kind, lift in self.by_kind.items():
            if lift.lift_points <= max_lift_points:
                continue
            worst = [f"{qid} ({cue})" for qid, cue in self.leaks if self.leak_kinds.get(qid) == kind][:8]
            messages.append(
                f"{kind}: a solver that reads only wording ({lift.rule!r}) gets {lift.accuracy:.1%} against"
                f" {lift.chance:.1%} by chance, +{lift.lift_points:.1f} points (limit +{max_lift_points:g});"
                f" questions that give themselves away most: {', '.join(worst) or 'none singled out'}"
            )
        return messages

    def lines(self, max_lift_points: float = DEFAULT_MAX_LIFT_POINTS) -> list[str]:
        """Human-readable lines: the lift per kind, for `content check` and `pytest -s`."""
        out = [f"cue-only solver, best rule per kind (limit +{max_lift_points:g} points):"]
        for kind in KINDS:
            if kind in self.by_kind:
                k = self.by_kind[kind]
                out.append(
                    f"  {kind:<10} {k.accuracy:6.1%} vs {k.chance:5.1%} chance  {k.lift_points:+5.1f} points"
                    f"  ({k.questions} questions; best rule: {k.rule})"
                )
        return out
