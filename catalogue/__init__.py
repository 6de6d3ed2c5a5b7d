"""The one catalogue of visible strings, in Chinese and English, imported by the data layer and the dashboard alike."""
