"""Demo data for ``manage.py seed_demo``: suppliers, people and a simulated billing history.

An app on top of the others (it may import any of them; none imports it), installed only for its
management commands: it has no models and no ready() work, and nothing here is imported when the
project starts. The modules are imported by the commands when they run.
"""
