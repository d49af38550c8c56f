"""OD inference from boarding-only fare taps (trip chaining), loads and flows."""
