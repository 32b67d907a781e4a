"""Checks about order handling in the seller centre: shipping, price changes, cancellations, after-sales."""
