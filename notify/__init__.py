"""Digests, briefings and alerts sent to the people who need them, by e-mail or chat robot.

The command line (``python -m notify``) lives here rather than in data_access because it builds the
leadership briefing (dashboard.briefing), which the data layer may not import.
"""
