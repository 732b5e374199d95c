"""The daily quiz: channel schedules, posting once per channel and local day, answers to clicks, reveals, the
weekly summary, private practice, and per-item statistics."""
