"""The pure core: reading questions, quiz rules, scoring, schedule maths and /tutor parsing. No Slack, no SQL."""
