"""Pure scoring: read facts and a rule set into a Scorecard, the audit checks, and the verdict (status, grade, rank)."""
