"""Learning that sticks: team insights, their weekly post and chart."""
