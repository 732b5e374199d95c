"""Learning that sticks: personal spaced reviews (FSRS cards, consent, the daily review DM)."""
