"""Amazon SP-API: Orders v0 answers to canonical orders."""
