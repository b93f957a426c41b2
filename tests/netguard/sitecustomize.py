import blocknet  # noqa: F401  (tests/netguard: block the network in test subprocesses)
