"""Finding stops and lines for passengers: stations, fuzzy search, nearby stations."""
