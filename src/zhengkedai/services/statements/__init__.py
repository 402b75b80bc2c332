"""The monthly statements (月度报表): figures as data, archive and packs."""
