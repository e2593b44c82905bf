"""The demo province (Shandong, 2020) for `manage.py load_demo`.

units.py, people.py and offices.py hold the data, plan.py turns it into a deterministic plan, and
loader.load_demo() is the seeding path that writes it (in bulk, bypassing the per-row services).
"""
