"""The grade colours the 评分结果 sheet and the summary share (ARGB fills, best grade first:
优 green, 良 blue, 中 amber, 差 red), apart from either so the summary does not load the
results sheet's layout."""

GRADE_FILLS = ("FFC6EFCE", "FFDDEBF7", "FFFFEB9C", "FFFFC7CE")
