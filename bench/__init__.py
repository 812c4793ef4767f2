"""`make bench`: seeded workloads, timed medians, every figure against issue 6's targets."""
