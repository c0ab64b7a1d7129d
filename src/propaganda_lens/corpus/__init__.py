"""Corpus mode: many articles in a database (SQLite by default, any SQLAlchemy URL), analyzed once per
model version, with statistics per outlet, technique and month, a dashboard, and exports."""
