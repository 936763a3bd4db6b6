// The shared helpers (fixture reading, seeded randomness) for every file of this suite.
@_exported import TestSupport
