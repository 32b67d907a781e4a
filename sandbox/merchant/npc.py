"""NPC actions of the seller centre (the platform's review of shop applications and the like)."""
