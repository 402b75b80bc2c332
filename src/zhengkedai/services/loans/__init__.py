"""Programme loans and their events as filed: finding them, listing them, withdrawing them."""
