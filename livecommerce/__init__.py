"""livecommerce: cross-border livestream commerce.

Plan shows by the buyers' time zones, relay multilingual chat, review sales.
"""

import zoneinfo

# Zone rules come from the `tzdata` package, never from the host: a stale host must not
# shift Kazakhstan's clocks (one zone, UTC+05:00, since 2024-03-01).
zoneinfo.reset_tzpath(to=[])
zoneinfo.ZoneInfo.clear_cache()

__version__ = "0.1.0"
