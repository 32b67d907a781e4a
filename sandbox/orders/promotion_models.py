"""Promotion tables (world database): coupons, 满减 rules, limited-time discounts, their use on orders."""
