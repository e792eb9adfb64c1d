"""Use cases that the command line, the web and the scheduler all call: settings, check, imports,
notify, feeds, doctor, source health."""
