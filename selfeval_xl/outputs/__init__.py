"""Everything we write for people: the 评分结果 sheet and its write-back, the district summary, print setup, reports, charts, templates, samples lists."""
