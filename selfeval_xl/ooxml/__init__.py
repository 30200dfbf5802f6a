"""The workbook file format: zip and XML reading with hostile-input guards, lossless sheet writing, raw zip copy, our ownership stamp."""
