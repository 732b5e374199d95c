"""Scores: leaderboards for people and teams, the running totals behind them, personal stats and the App Home,
teams people join, and the display names boards show."""
