"""Learning that sticks: personal spaced reviews (consent, status, the daily review DM), team insights with their
weekly post and chart, and the App Home that shows a person's stats beside their reviews."""
