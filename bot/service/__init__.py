"""The scheduler of `relance run`: the jobs as a typed registry, the instance lock, the process."""
