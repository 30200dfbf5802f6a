"""Rule sets as data: the TOML model and loader (defaults stated once), the closed registry of rule kinds, the 共性指标 formulas, and the bundled rule sets under builtin/."""
