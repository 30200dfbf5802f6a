"""Rule sets as data: the TOML model and loader, the 共性指标 formulas, and the bundled rule sets under builtin/."""
