"""The two funds' money movements: reserve deposits, interest, transfers, fees, budget."""
