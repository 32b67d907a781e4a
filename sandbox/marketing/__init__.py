"""Marketing mail (layer 4): a shop's subscribers with their opt-in, campaigns sent to the mailboxes,
NPC recipients' deliveries, opens and clicks on the world clock, unsubscribes and the report."""

from sandbox.domains import Domain

DOMAIN = Domain(name="marketing", layer=4, views="sandbox.marketing.views")
