"""Pure decisions: deadlines (rules as data), the events diff, follow-rule matching, reconcile, status
rows. No I/O, no clock."""
