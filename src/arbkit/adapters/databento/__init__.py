"""Databento adapter: DBN readers (CME Globex MBP-1 and MBO) into the normalised tick schema."""
