"""What to say and how to deliver it: the one wording module, e-mail rendering (one Jinja environment),
the plan of who gets what, and the one delivery loop over transports (SMTP, Apprise)."""
