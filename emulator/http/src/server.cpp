// Placeholder: replaced by the HTTP server implementation.
