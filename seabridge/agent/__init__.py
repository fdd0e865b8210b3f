"""The AI customer-service agent: understands a buyer's message, looks facts up within that buyer's scope, replies."""
