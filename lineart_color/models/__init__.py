"""Generators and discriminators, one public model per file."""
