"""Reference tables used by the normalisers (plain data, no logic)."""
