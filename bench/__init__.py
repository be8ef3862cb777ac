"""`make bench`: the harness (run.py, seed.py), and the settings and URLconf it serves the app with."""
