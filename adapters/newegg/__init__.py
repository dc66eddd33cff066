"""Newegg Marketplace: order-information answers to canonical orders."""
