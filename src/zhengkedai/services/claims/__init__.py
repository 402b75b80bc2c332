"""Compensation claims (损失补偿): computing, workflow, journal entries, views."""
