"""A workbook's cells into typed facts: one way in (``layouts.read_workbook``), the template and official-form layouts, the contract's names, value parsing, reviewer columns, summary read-back."""
