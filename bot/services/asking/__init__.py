"""Asking: a question from a DM, a mention or /tutor is matched, answered once, and logged when unanswered."""
