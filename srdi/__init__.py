"""srdi: the data pipeline behind the city's 专精特新 (SRDI) programme."""
