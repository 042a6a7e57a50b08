"""Request (Create / Update / command) and response (Public) models, kept apart."""
