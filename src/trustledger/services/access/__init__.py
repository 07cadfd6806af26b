"""Access: API keys and their lifecycle, sign-in limits, officers' jurisdictions."""
