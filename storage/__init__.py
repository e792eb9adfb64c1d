"""Remember: the only place with SQL (sqlite-utils), migrations, questions and events, the delivery
ledger, subscribers, the poll log."""
