"""Checks about promotions: coupons, 满减 rules and discounts applied at checkout."""
