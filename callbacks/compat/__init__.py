"""Adapters that let integrations written for other callback products talk to this service unchanged.

``ges``: the Genesys Engagement (GES) Callback API v3, under /engagement/v3.
Each adapter only translates: it calls the same services and selectors as
our own API, so validation, rules, duplicates and throttling are never copied.
"""
