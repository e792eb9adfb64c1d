"""relance decides and acts: the pure core, the use cases, what to say and how to deliver it, and the
three entry points (command line, web, scheduler), wired together in `bot.main`."""
