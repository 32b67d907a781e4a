"""Checks about the seller centre: shops, goods, promotions, order handling and after-sales."""
