"""Dataplex governance as code: the lake, its zones and who may read them, the data-product aspect, and
the curated tables' descriptions from the compiled graph (declared.py says which resources)."""
