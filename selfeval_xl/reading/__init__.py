"""A workbook's cells into typed facts: the template contract's names, value parsing, the template and official-form layouts, reviewer columns, summary read-back."""
